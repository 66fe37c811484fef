"""SparkQ daemon: the single owner of the task store, serving JSON-RPC 2.0 over a Unix socket."""

__version__ = "0.1.0"
