"""The README's "Python functions" example prints what the README says it prints: its files
(jobs.py, app.py, app_async.py) taken from the README as written, a runner in their folder,
the sync and the async script run by a fresh interpreter each."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.daemon_process import DaemonProcess
from tests.e2e.conftest import sparkq_argv

README = Path(__file__).resolve().parents[2] / "README.md"
HEREDOC = re.compile(r"^cat > (\S+) <<'PY'\n(.*?)^PY$", re.S | re.M)


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Python functions", 1)[1].split("\n## ", 1)[0]


def test_the_readme_python_example_prints_what_it_shows(
    daemon: DaemonProcess, short_dir: Path
) -> None:
    section = _section()
    example = ("jobs.py", "app.py", "app_async.py")  # the section's later blocks have their own
    files = {name: body for name, body in HEREDOC.findall(section) if name in example}
    assert set(files) == set(example)
    assert len(files["app.py"].splitlines()) <= 10 and len(files["app_async.py"].splitlines()) <= 10
    work = short_dir / "py"
    work.mkdir()
    for name, body in files.items():
        (work / name).write_text(body)
    # The output block that follows the sh block.
    shown = re.search(r"kill %1\n```\n```\n(.*?)```", section, re.S).group(1).splitlines()
    env = {**daemon.env(), "SPARKQ_OUTBOX_DIR": str(short_dir / "outbox")}
    subprocess.run([*sparkq_argv(), "session", "create", "demo"], env=env, check=True)
    subprocess.run([*sparkq_argv(), "queue", "create", "-s", "demo", "work"], env=env, check=True)
    runner = subprocess.Popen(
        [*sparkq_argv(), "runner", "--queue", "work", "-c", "4", "--wait", "0.3"],
        env=env,
        cwd=work,
    )
    try:
        outputs = [
            subprocess.run(
                [sys.executable, script],
                env=env,
                cwd=work,
                capture_output=True,
                text=True,
                timeout=60,
            )
            for script in ("app.py", "app_async.py")
        ]
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.wait(15)
    assert [o.returncode for o in outputs] == [0, 0], [o.stderr for o in outputs]
    assert outputs[0].stdout.strip() == shown[0]
    timing = re.compile(r"ran \d+\.\d{3} s$")
    assert timing.sub("", outputs[1].stdout.strip()) == timing.sub("", shown[1])
