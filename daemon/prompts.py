"""Prompt templates: ``/command rest`` expands ``{input}`` in the template with ``rest``, and
``{project.name}``, ``{project.repo_path}``, ``{project.prd_path}`` with the project's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PLACEHOLDER = "{input}"
PROJECT_KEYS = ("name", "repo_path", "prd_path")


def expand_template(template_text: str, text: str, project: Mapping[str, Any] | None = None) -> str:
    """Fill ``{input}`` with ``text`` (with no placeholder, append it after a blank line) and
    each ``{project.KEY}`` with the project's value ("" when unset)."""
    for key in PROJECT_KEYS:
        value = (project or {}).get(key)
        template_text = template_text.replace(f"{{project.{key}}}", str(value or ""))
    if PLACEHOLDER in template_text:
        return template_text.replace(PLACEHOLDER, text)
    if not text:
        return template_text
    return f"{template_text.rstrip()}\n\n{text}"
