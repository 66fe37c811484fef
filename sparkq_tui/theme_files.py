"""Load cockpit themes from YAML files: the ones shipped in ``themes/`` and the user's own in
``<user config dir>/sparkq/themes/`` (a user file with a shipped name replaces it)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from textual.theme import Theme

from sparkq_daemon import paths

log = logging.getLogger(__name__)
THEME_SUFFIXES = (".yml", ".yaml")
_THEME_KEYS = set(Theme.__dataclass_fields__)


class ThemeFileError(ValueError):
    """A theme file that does not parse or does not describe a theme."""


def builtin_theme_dir() -> Path:
    return Path(str(resources.files("sparkq_tui.themes")))


def user_theme_dir() -> Path:
    return paths.config_dir() / "themes"


def theme_from_mapping(data: Any, *, default_name: str) -> Theme:
    """Build a Theme from a parsed YAML mapping; unknown keys are an error."""
    if not isinstance(data, dict):
        raise ThemeFileError("a theme file must hold a mapping of theme keys")
    unknown = sorted(set(data) - _THEME_KEYS)
    if unknown:
        raise ThemeFileError(f"unknown theme keys: {', '.join(unknown)}")
    values = {"name": default_name, **data}
    if "primary" not in values:
        raise ThemeFileError("a theme needs at least a 'primary' colour")
    variables = values.get("variables") or {}
    values["variables"] = {str(k): str(v) for k, v in variables.items()}
    return Theme(**values)


def load_theme_file(path: Path) -> Theme:
    """Read one theme file; raise ThemeFileError naming the file on any problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return theme_from_mapping(data, default_name=path.stem)
    except (OSError, yaml.YAMLError, ThemeFileError, TypeError) as exc:
        raise ThemeFileError(f"{path}: {exc}") from None


def load_themes(folders: Iterable[Path]) -> tuple[list[Theme], list[str]]:
    """Themes from every file in ``folders`` (later folders win), and the problems met."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix not in THEME_SUFFIXES:
                continue
            try:
                theme = load_theme_file(path)
            except ThemeFileError as exc:
                problems.append(str(exc))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems
