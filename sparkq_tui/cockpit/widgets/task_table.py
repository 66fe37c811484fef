"""The Tasks table: a virtual, paged list of tasks drawn with Textual's line API.

Only the rows on screen are rendered, and only the pages of ``task.list`` that cover them are
fetched (``offset``/``limit``), so a queue of 10 000 tasks scrolls and filters as fast as one
of ten. The owner supplies the loader; the table asks it for pages as the view moves.

The cursor follows its task, not its row number: the list is newest first, so a task enqueued
elsewhere shifts every row down, and after a live reload the cursor moves to wherever its task
now is (the view shifts with it, unless it was at the top). Until the task is found again the
table reports no current task rather than a neighbour; when it is gone the row stays put."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sparkq_tui.cockpit.actions import bindings
from sparkq_tui.cockpit.progress_text import progress_cell, progress_percent
from sparkq_tui.cockpit.state import (
    STATUS_GLYPHS,
    is_stale,
    task_attempts,
    task_summary,
    task_time_cell,
    utc_now,
    waits_for,
)

Task = dict[str, Any]
PageLoader = Callable[[int, int], Awaitable[tuple[list[Task], int] | None]]

PAGE_SIZE = 200
MAX_CACHED_PAGES = 12
NARROW_WIDTH = 60
MAX_ID_WIDTH = 24


class TaskTable(ScrollView, can_focus=True):
    """A cursor over a paged list of tasks; posts Highlighted and Selected messages."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        *bindings("tasks"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "task-table--header",
        "task-table--cursor",
        "task-table--placeholder",
        "task-table--queued",
        "task-table--running",
        "task-table--succeeded",
        "task-table--failed",
        "task-table--scheduled",
        "task-table--blocked",
        "task-table--cancelled",
        "task-table--stale",
    }

    DEFAULT_CSS = """
    TaskTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
        background: $surface;
    }
    TaskTable > .task-table--header { text-style: bold; color: $primary; }
    TaskTable > .task-table--cursor { background: $panel; }
    TaskTable:focus > .task-table--cursor { background: $primary 40%; text-style: bold; }
    TaskTable > .task-table--placeholder { color: $foreground 50%; }
    TaskTable > .task-table--queued { color: $foreground; }
    TaskTable > .task-table--running { color: $accent; }
    TaskTable > .task-table--succeeded { color: $success; }
    TaskTable > .task-table--failed { color: $error; }
    TaskTable > .task-table--scheduled { color: $secondary; }
    TaskTable > .task-table--blocked { color: $foreground 60%; }
    TaskTable > .task-table--cancelled { color: $foreground 60%; }
    TaskTable > .task-table--stale { color: $warning; text-style: bold; }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        """The cursor moved onto a task (None when the table is empty)."""

        def __init__(self, table: TaskTable, task: Task | None) -> None:
            super().__init__()
            self.table = table
            self.task = task

    class Selected(Message):
        """Enter was pressed on a task."""

        def __init__(self, table: TaskTable, task: Task) -> None:
            super().__init__()
            self.table = table
            self.task = task

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = utc_now,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        self.total = 0
        self.empty_message = "No tasks."
        self._loader: PageLoader | None = None
        self._pages: dict[int, list[Task]] = {}
        self._fresh: set[int] = set()
        self._pending: set[int] = set()
        self._generation = 0
        self._id_width = 13
        self._names: dict[str, str] = {}  # task id -> friendly id, from the pages read
        # The Try column (attempts of max_attempts) shows once a task that may retry is listed.
        self._show_tries = False
        self.loaded = False
        # The id of the task the cursor is on; while ``_relocating``, a reload is looking for
        # it in the fresh pages and the cursor row may briefly show another task.
        self._anchor: str | None = None
        self._relocating = False

    # ----- data -----------------------------------------------------------------------------

    def set_loader(self, loader: PageLoader | None, *, empty_message: str = "No tasks.") -> None:
        """Show a new list (another queue or filter): forget every page, cursor to the top."""
        self._loader = loader
        self.empty_message = empty_message
        self._generation += 1
        self._pages.clear()
        self._fresh.clear()
        self._pending.clear()
        self.loaded = loader is None
        self._show_tries = False
        self.total = 0
        self._anchor = None
        self._relocating = False
        self._set_total(0)
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self._request_visible_pages()
        self.refresh()

    @property
    def held_rows(self) -> int:
        """How many task rows are held in memory (the pages fetched, not the whole list)."""
        return sum(len(rows) for rows in self._pages.values())

    @property
    def held_pages(self) -> int:
        return len(self._pages)

    def reload(self) -> None:
        """Re-read the pages on screen and the cursor's (rows stay visible until fresh ones
        arrive); the cursor then moves to wherever its task is now."""
        self._generation += 1
        self._fresh.clear()
        self._pending.clear()
        keep = self._visible_pages() | {self._cursor_page()}
        for page in list(self._pages):
            if page not in keep:
                del self._pages[page]
        self._relocating = self._anchor is not None
        self._request_visible_pages()
        self._request_page(self._cursor_page())

    @property
    def current_task(self) -> Task | None:
        """The task under the cursor (None when empty, when its page is still loading, or
        while a reload has not yet found the cursor's task again)."""
        task = self.task_at(self.cursor_row)
        if self._relocating and (task is None or task.get("id") != self._anchor):
            return None
        return task

    def task_at(self, row: int) -> Task | None:
        if row < 0 or row >= self.total:
            return None
        rows = self._pages.get(row // PAGE_SIZE)
        if rows is None:
            return None
        index = row % PAGE_SIZE
        return rows[index] if index < len(rows) else None

    def visible_tasks(self) -> list[Task]:
        """The tasks whose rows are on screen now."""
        first = int(self.scroll_y)
        rows = range(first, min(self.total, first + self._body_height()))
        return [task for task in map(self.task_at, rows) if task is not None]

    def _set_total(self, total: int) -> None:
        self.total = total
        self.virtual_size = Size(self.scrollable_content_region.width, total + 1)
        if self.cursor_row >= total:
            self.cursor_row = max(0, total - 1)

    def _visible_pages(self) -> set[int]:
        first = int(self.scroll_y)
        last = first + max(1, self._body_height())
        return set(range(first // PAGE_SIZE, last // PAGE_SIZE + 1))

    def _cursor_page(self) -> int:
        return self.cursor_row // PAGE_SIZE

    def _request_visible_pages(self) -> None:
        for page in sorted(self._visible_pages()):
            self._request_page(page)

    def _request_page(self, page: int) -> None:
        if self._loader is None or page < 0:
            return
        if page in self._fresh or page in self._pending:
            return
        if page > 0 and page * PAGE_SIZE >= self.total and self.loaded:
            return
        self._pending.add(page)
        self.run_worker(
            self._fetch(page, self._generation), group="task-pages", exit_on_error=False
        )

    async def _fetch(self, page: int, generation: int) -> None:
        loader = self._loader
        if loader is None:
            return
        answer = await loader(page * PAGE_SIZE, PAGE_SIZE)
        if generation != self._generation:
            return
        self._pending.discard(page)
        if answer is None:
            return
        tasks, total = answer
        self._pages[page] = tasks
        self._fit_id_column(tasks)
        self._fresh.add(page)
        self._trim_cache()
        first_answer = not self.loaded
        self.loaded = True
        if total != self.total:
            self._set_total(total)
            self._request_visible_pages()
        if self._relocating:
            self._relocate()
        elif page == self._cursor_page():
            self._remember_cursor_task()
        self.refresh()
        if first_answer or page == self._cursor_page():
            self.post_message(self.Highlighted(self, self.current_task))

    def _relocate(self) -> None:
        """Put the cursor back on its task if the fresh pages hold it; else read the pages
        next to the cursor's (a burst of up to a page of changes moves it that far), and when
        those are fresh too the task is gone: the cursor keeps its row, clamped."""
        for page in sorted(self._fresh):
            rows = self._pages.get(page, [])
            for index, task in enumerate(rows):
                if task.get("id") == self._anchor:
                    self._move_to_anchor(page * PAGE_SIZE + index)
                    return
        around = [p for p in (self._cursor_page() + d for d in (0, -1, 1)) if p >= 0]
        around = [p for p in around if p == 0 or p * PAGE_SIZE < self.total]
        missing = [p for p in around if p not in self._fresh]
        if missing:
            for page in missing:
                self._request_page(page)
            return
        self._relocating = False
        self._remember_cursor_task()
        self.post_message(self.Highlighted(self, self.current_task))

    def _move_to_anchor(self, row: int) -> None:
        self._relocating = False
        shift = row - self.cursor_row
        if shift == 0:
            return
        top = int(self.scroll_y)
        if top > 0:  # keep the task where it was on screen; at the top, show what arrived
            self.scroll_to(y=max(0, top + shift), animate=False, immediate=True)
        self.cursor_row = row

    def _remember_cursor_task(self) -> None:
        task = self.task_at(self.cursor_row)
        self._anchor = task.get("id") if task is not None else None

    def friendly(self, task_id: str) -> str:
        """A task's friendly id when a page read holds it, else its id."""
        return self._names.get(task_id, task_id)

    def _fit_id_column(self, tasks: list[Task]) -> None:
        self._names.update((t["id"], t["friendly_id"]) for t in tasks if t.get("friendly_id"))
        longest = max((len(t.get("friendly_id") or "") for t in tasks), default=0)
        self._id_width = min(MAX_ID_WIDTH, max(self._id_width, longest + 1))
        self._show_tries = self._show_tries or any(task_attempts(t) for t in tasks)

    def _trim_cache(self) -> None:
        if len(self._pages) <= MAX_CACHED_PAGES:
            return
        keep = self._visible_pages() | {self._cursor_page()}
        for page in sorted(self._pages, key=lambda p: abs(p - self._cursor_page())):
            if len(self._pages) <= MAX_CACHED_PAGES:
                break
            if page not in keep:
                del self._pages[page]
                self._fresh.discard(page)

    # ----- cursor ---------------------------------------------------------------------------

    def _body_height(self) -> int:
        return max(0, self.scrollable_content_region.height - 1)

    def watch_cursor_row(self, old: int, new: int) -> None:
        clamped = min(max(0, new), max(0, self.total - 1))
        if clamped != new:
            self.cursor_row = clamped
            return
        if not self._relocating:
            self._remember_cursor_task()
        self._scroll_cursor_into_view()
        self._request_page(self._cursor_page())
        self.refresh()
        if old != new:
            self.post_message(self.Highlighted(self, self.current_task))

    def _move_cursor(self, row: int) -> None:
        """A move by the user: the cursor's task is whatever it lands on."""
        self._relocating = False
        self.cursor_row = row

    def _scroll_cursor_into_view(self) -> None:
        body = self._body_height()
        if body <= 0:
            return
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + body:
            self.scroll_to(y=self.cursor_row - body + 1, animate=False, immediate=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._request_visible_pages()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.total + 1)
        self._request_visible_pages()

    def action_cursor_up(self) -> None:
        self._move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self._move_cursor(self.cursor_row - max(1, self._body_height() - 1))

    def action_page_down(self) -> None:
        self._move_cursor(self.cursor_row + max(1, self._body_height() - 1))

    def action_first(self) -> None:
        self._move_cursor(0)

    def action_last(self) -> None:
        self._move_cursor(self.total - 1)

    def action_select(self) -> None:
        task = self.current_task
        if task is not None:
            self.post_message(self.Selected(self, task))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self._move_cursor(int(self.scroll_y) + event.y - 1)
            if event.chain == 2:
                self.action_select()

    # ----- drawing --------------------------------------------------------------------------

    def _columns(self, width: int) -> list[tuple[str, int]]:
        time_w, status_w = 7, 12
        try_w = 6 if self._show_tries else 0
        id_w = self._id_width
        tool_w = 0 if width < NARROW_WIDTH else 11
        fixed = id_w + status_w + try_w + time_w + tool_w + (4 if tool_w else 3)
        summary_w = max(0, width - fixed)
        columns = [("ID", id_w), ("Status", status_w)]
        if try_w:
            columns.append(("Try", try_w))
        if tool_w:
            columns.append(("Tool", tool_w))
        columns += [("Time", time_w), ("Summary", summary_w)]
        return columns

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            cells = [title for title, _ in self._columns(width)]
            header = base + self._component("task-table--header")
            return self._strip(cells, width, header, [None] * len(cells))
        row = int(self.scroll_y) + y - 1
        if row >= self.total:
            if row == 0 and self.loaded:
                style = base + self._component("task-table--placeholder")
                return Strip([Segment(f" {self.empty_message}", style)]).adjust_cell_length(
                    width, base
                )
            return Strip.blank(width, base)
        style = base
        if row == self.cursor_row:
            style = base + self._component("task-table--cursor")
        task = self.task_at(row)
        if task is None:
            placeholder = style + self._component("task-table--placeholder")
            return Strip([Segment(" …", placeholder)]).adjust_cell_length(width, style)
        return self._task_strip(task, width, style)

    def _component(self, name: str) -> Style:
        """A component's colours and text style, without its background unless it is the
        cursor's (a full style, so Textual has blended alpha colours against the surface)."""
        style = self.get_component_rich_style(name, default=Style())
        if name == "task-table--cursor":
            return style
        return Style(color=style.color, bold=style.bold, italic=style.italic)

    def _task_strip(self, task: Task, width: int, style: Style) -> Strip:
        status = task.get("status", "")
        stale = is_stale(task)
        status_class = "task-table--stale" if stale else f"task-table--{status}"
        status_text = "⚠ stale" if stale else f"{STATUS_GLYPHS.get(status, '?')} {status}"
        percent = progress_percent(task)
        if percent is not None and not stale:
            status_text = progress_cell(percent)
        status_style = self._component(status_class)
        cells: list[str] = [task.get("friendly_id") or task.get("id", ""), status_text]
        styles: list[Style | None] = [None, status_style]
        columns = self._columns(width)
        if any(title == "Try" for title, _ in columns):
            cells.append(task_attempts(task))
            styles.append(None)
        if any(title == "Tool" for title, _ in columns):
            cells.append(task.get("tool", ""))
            styles.append(None)
        summary = task_summary(task)
        waiting = waits_for(task, self.friendly)
        if waiting:  # a blocked task says what it waits for before what it does
            summary = f"{waiting} · {summary}" if summary else waiting
        cells += [task_time_cell(task, self.clock()), summary]
        styles += [status_style if status in ("running", "scheduled") else None, None]
        return self._strip(cells, width, style, styles)

    def _strip(
        self, cells: list[str], width: int, style: Style, styles: list[Style | None]
    ) -> Strip:
        columns = self._columns(width)
        line = Text(" ", style=style, no_wrap=True, end="")
        for (title, cell_width), cell, cell_style in zip(columns, cells, styles, strict=False):
            if cell_width <= 0:
                continue
            text = Text(cell, no_wrap=True, overflow="ellipsis", end="")
            text.truncate(cell_width - (0 if title == "Summary" else 1), pad=True)
            if cell_style is not None:
                text.stylize(cell_style)
            line.append_text(text)
            if title != "Summary":
                line.append(" ")
        segments = list(line.render(self.app.console))
        return Strip(segments).adjust_cell_length(width, style).apply_style(style)
