"""The daemon-in-a-subprocess helper the tests use (it lives in the package)."""

from sparkq_tui.daemon_process import DaemonProcess, daemon_argv

__all__ = ["DaemonProcess", "daemon_argv"]
