"""Prompt templates: ``/command rest`` expands ``{input}`` in the template with ``rest``."""

from __future__ import annotations

PLACEHOLDER = "{input}"


def expand_template(template_text: str, text: str) -> str:
    """Fill ``{input}`` with ``text``; with no placeholder, append it after a blank line."""
    if PLACEHOLDER in template_text:
        return template_text.replace(PLACEHOLDER, text)
    if not text:
        return template_text
    return f"{template_text.rstrip()}\n\n{text}"
