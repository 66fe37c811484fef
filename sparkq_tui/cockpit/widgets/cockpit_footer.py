"""The cockpit's footer: the keys that fit the terminal's width, help and quit always.

Textual's footer cuts off whatever does not fit, which on a narrow terminal was the help and
quit keys. This one goes compact when the keys do not fit, and if they still do not, leaves
out the least needed ones first (the help screen lists every key)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

KEEP = ("help", "quit")  # actions never left out
LEAVE_OUT_FIRST = ("command_palette", "open_task", "next_theme")  # then from the right


def _action(key: FooterKey) -> str:
    return key.action.rpartition(".")[2]


def _width(key: FooterKey, *, compact: bool) -> int:
    """Cells a key takes in the footer (its styles are not applied yet at compose time)."""
    cells = cell_len(key.key_display) + cell_len(key.description)
    cells += 2 if compact else 3  # the space between them and the padding around them
    if key.has_class("-command-palette"):
        cells += 1  # its left border
    return cells


class CockpitFooter(Footer):
    """A footer that fits the width it is given."""

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        width = self.app.size.width
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        compact = sum(_width(k, compact=False) for k in keys) > width
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        shown = self._fit(keys, width, compact=compact)
        yield from (w for w in widgets if not isinstance(w, FooterKey) or w in shown)

    @staticmethod
    def _fit(keys: list[FooterKey], width: int, *, compact: bool) -> list[FooterKey]:
        shown = list(keys)
        order = [k for name in LEAVE_OUT_FIRST for k in shown if _action(k) == name]
        order += [k for k in reversed(shown) if k not in order and _action(k) not in KEEP]
        for key in order:
            if sum(_width(k, compact=compact) for k in shown) <= width:
                break
            shown.remove(key)
        return shown

    def on_resize(self, event: Resize) -> None:
        if self._bindings_ready:
            self.call_after_refresh(self.recompose)
