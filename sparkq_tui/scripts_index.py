"""An index of the scripts in the configured script folders, each with the description
taken from its header comment (or a Python module docstring)."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

TOOL_BY_SUFFIX = {".sh": "run-bash", ".bash": "run-bash", ".py": "run-python"}
TOOL_BY_INTERPRETER = {"bash": "run-bash", "sh": "run-bash", "python": "run-python"}
SKIPPED_DIRS = {"__pycache__", "node_modules", ".git", ".venv", "venv"}
HEADER_LINES = 40


@dataclass(frozen=True)
class Script:
    """One script: its name relative to its folder, absolute path, tool and description."""

    name: str
    path: str
    tool: str
    description: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _tool_for(path: Path, first_line: str) -> str | None:
    tool = TOOL_BY_SUFFIX.get(path.suffix)
    if tool or not first_line.startswith("#!"):
        return tool
    words = first_line[2:].split()
    if not words:
        return None
    # `#!/usr/bin/env python3` names the interpreter last; `#!/bin/bash -e` first.
    interpreter = os.path.basename(words[-1] if words[0].endswith("env") else words[0])
    for prefix, name in TOOL_BY_INTERPRETER.items():
        if interpreter.startswith(prefix):
            return name
    return None


def describe(lines: list[str], is_python: bool) -> str:
    """The description in a script's header: a ``# description: …`` line, else the first
    comment block after the shebang, else (Python) the docstring's first line."""
    comments: list[str] = []
    for raw in lines:
        line = raw.strip()
        if line.startswith("#!") or "-*-" in line or line.startswith("# vim:"):
            continue
        if line.startswith("#"):
            text = line.lstrip("#").strip()
            if text.lower().startswith("description:"):
                return text.split(":", 1)[1].strip()
            if text:
                comments.append(text)
            elif comments:
                break
        elif line or comments:
            break
    if comments:
        return " ".join(comments)
    if is_python:
        try:
            doc = ast.get_docstring(ast.parse("".join(lines)))
        except (SyntaxError, ValueError):
            doc = None
        if doc:
            return doc.strip().splitlines()[0]
    return ""


def _read_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            return [line for _, line in zip(range(HEADER_LINES), f, strict=False)]
    except OSError:
        return []


def scan(folders: Iterable[str | os.PathLike[str]]) -> list[Script]:
    """Every script under ``folders`` (recursively, hidden folders skipped), sorted by name."""
    found: list[Script] = []
    for folder in folders:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS
            )
            for filename in sorted(filenames):
                path = Path(dirpath) / filename
                if filename.startswith(".") or not path.is_file():
                    continue
                header = _read_header(path)
                tool = _tool_for(path, header[0] if header else "")
                if tool is None:
                    continue
                found.append(
                    Script(
                        name=str(path.relative_to(root)),
                        path=str(path.resolve()),
                        tool=tool,
                        description=describe(header, tool == "run-python"),
                    )
                )
    return sorted(found, key=lambda s: (s.name, s.path))


def search(scripts: Iterable[Script], text: str) -> list[Script]:
    """Scripts whose name, path or description holds every word of ``text`` (any case)."""
    words = text.lower().split()
    return [
        s for s in scripts if all(w in f"{s.name} {s.path} {s.description}".lower() for w in words)
    ]
