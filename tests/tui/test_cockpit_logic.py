"""The cockpit's pure logic: quick-add parsing, filters, durations, theme files, settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sparkq_tui.cockpit.operations import parse_result
from sparkq_tui.cockpit.quick_add import QuickAddError, QuickAddRequest, parse_quick_add
from sparkq_tui.cockpit.settings import load_settings, save_setting
from sparkq_tui.cockpit.state import (
    TaskFilter,
    cycle,
    format_due,
    format_duration,
    is_stale,
    parse_filter,
    task_attempts,
    task_elapsed,
    task_summary,
    task_time_cell,
    time_cell_moves,
)
from sparkq_tui.theme_files import ThemeFileError, builtin_theme_dir, load_theme_file, load_themes

PROMPTS = {"review": "Review this: {input}", "plain": "Be brief."}


@pytest.mark.parametrize(
    ("line", "tool", "expected"),
    [
        ("explain x", "llm-haiku", QuickAddRequest("llm-haiku", {"prompt": "explain x"})),
        ("ls -la", "run-bash", QuickAddRequest("run-bash", {"script": "ls -la"})),
        ("!echo hi", "llm-haiku", QuickAddRequest("run-bash", {"script": "echo hi"})),
        (
            "/review the diff",
            "llm-sonnet",
            QuickAddRequest("llm-sonnet", {"prompt": "Review this: the diff"}),
        ),
        ("/plain why?", "llm-haiku", QuickAddRequest("llm-haiku", {"prompt": "Be brief.\n\nwhy?"})),
    ],
)
def test_quick_add_lines(line: str, tool: str, expected: QuickAddRequest) -> None:
    assert parse_quick_add(line, tool=tool, prompts=PROMPTS) == expected


@pytest.mark.parametrize(("line", "message"), [("   ", "type"), ("!", "script"), ("/x y", "/x")])
def test_quick_add_refuses(line: str, message: str) -> None:
    with pytest.raises(QuickAddError, match=message):
        parse_quick_add(line, tool="llm-haiku", prompts=PROMPTS)


def test_filters_parse_status_and_words() -> None:
    assert parse_filter("status:run deploy api") == TaskFilter("deploy api", ("running",))
    assert parse_filter("is:failed") == TaskFilter("", ("failed",))
    assert parse_filter("status:bogus x") == TaskFilter("status:bogus x", ())
    assert parse_filter("status:q,run x is:f") == TaskFilter("x", ("queued", "running", "failed"))
    assert parse_filter("status:run,bogus") == TaskFilter("status:run,bogus", ())
    assert parse_filter("status:run,fail").describe() == "status:running,failed"
    assert not parse_filter("").active


def test_durations_and_time_cells() -> None:
    assert [format_duration(s) for s in (5, 65, 3700, 90000)] == ["5s", "1m05s", "1h01m", "1d01h"]
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    running = {"status": "running", "claimed_at": "2026-05-01T11:58:30+00:00"}
    assert task_time_cell(running, now) == "1m30s"
    queued = {"status": "queued", "created_at": "2026-05-01T11:59:50+00:00"}
    assert task_time_cell(queued, now) == "10s"
    assert is_stale({**running, "stale_warned_at": "2026-05-01T11:59:00+00:00"})
    assert not is_stale({**queued, "stale_warned_at": "2026-05-01T11:59:00+00:00"})


def test_scheduled_tasks_say_when_they_are_due_and_retries_count_attempts() -> None:
    assert [format_due(s) for s in (-3, 0, 42, 240, 299, 7300, 90000)] == [
        "due",
        "due",
        "in 42s",
        "in 4m",
        "in 4m",
        "in 2h",
        "in 1d",
    ]
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    retrying = {
        "status": "scheduled",
        "created_at": "2026-05-01T11:50:00+00:00",
        "claimed_at": "2026-05-01T11:51:00+00:00",
        "run_at": "2026-05-01T12:04:00+00:00",
        "attempts": 2,
        "max_attempts": 3,
    }
    assert task_time_cell(retrying, now) == "in 4m"
    assert task_elapsed(retrying, now) is None  # waiting, not running
    assert task_attempts(retrying) == "2/3"
    assert task_attempts({"attempts": 1, "max_attempts": 1}) == ""  # no retries: nothing to say
    assert parse_filter("status:sch,canc") == TaskFilter("", ("scheduled", "cancelled"))


def test_time_cell_moves_exactly_when_its_text_follows_the_clock() -> None:
    created, claimed, finished = (f"2026-05-01T11:5{m}:00+00:00" for m in (0, 1, 2))
    tasks = [
        {"status": "queued", "created_at": created},
        {"status": "running", "created_at": created, "claimed_at": claimed},
        {
            "status": "succeeded",
            "created_at": created,
            "claimed_at": claimed,
            "finished_at": finished,
        },
        {"status": "failed", "created_at": created, "finished_at": finished},  # never ran
        {"status": "scheduled", "created_at": created, "run_at": "2026-05-01T14:00:00+00:00"},
    ]
    now, later = datetime(2026, 5, 1, 12, 0, tzinfo=UTC), datetime(2026, 5, 1, 13, 0, tzinfo=UTC)
    for task in tasks:
        changes = task_time_cell(task, now) != task_time_cell(task, later)
        assert time_cell_moves(task) is changes, task


def test_summaries_and_results() -> None:
    assert task_summary({"payload": {"prompt": "a\n  b"}}) == "a b"
    assert task_summary({"payload": [1, 2]}) == "[1,2]"
    assert parse_result('{"a": 1}') == {"a": 1}
    assert parse_result("plain words") == "plain words"
    assert cycle(["a", "b", "c"], "c") == "a"
    assert cycle(["a", "b"], "zzz") == "a"


def test_shipped_themes_load(tmp_path) -> None:
    themes, problems = load_themes([builtin_theme_dir()])
    names = {t.name for t in themes}
    assert {"sparkq-dark", "sparkq-light"} <= names and not problems
    assert next(t for t in themes if t.name == "sparkq-light").dark is False
    bad = tmp_path / "bad.yml"
    bad.write_text("name: bad\ncolour: red\n")
    with pytest.raises(ThemeFileError, match="unknown theme keys: colour"):
        load_theme_file(bad)


def test_settings_round_trip(tmp_path) -> None:
    path = tmp_path / "sub" / "cockpit.json"
    assert load_settings(path) == {}
    save_setting(path, "theme", "sparkq-light")
    assert load_settings(path) == {"theme": "sparkq-light"}


def test_quick_add_role_and_project_placeholders() -> None:
    prompts = {"ctx": "{project.name} at {project.repo_path}: {input}"}
    project = {"name": "Moonbase", "repo_path": "/src/moon", "prd_path": None}
    got = parse_quick_add(
        "@reviewer /ctx fix it",
        tool="llm-haiku",
        prompts=prompts,
        roles=["reviewer"],
        project=project,
    )
    assert got == QuickAddRequest(
        "llm-haiku", {"prompt": "Moonbase at /src/moon: fix it"}, "reviewer"
    )
    assert (
        parse_quick_add("@reviewer !ls", tool="x", prompts={}, roles=["reviewer"]).role
        == "reviewer"
    )
    with pytest.raises(QuickAddError, match=r"no active role @ghost \(known: @reviewer\)"):
        parse_quick_add("@ghost hi", tool="llm-haiku", prompts={}, roles=["reviewer"])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("#nightly report", QuickAddRequest("llm-haiku", {"prompt": "report"}, None, "nightly")),
        (
            "#reindex !make reindex",
            QuickAddRequest("run-bash", {"script": "make reindex"}, None, "reindex"),
        ),
        ("@reviewer #k1 look", QuickAddRequest("llm-haiku", {"prompt": "look"}, "reviewer", "k1")),
        ("#k1 @reviewer look", QuickAddRequest("llm-haiku", {"prompt": "look"}, "reviewer", "k1")),
        ("# a heading", QuickAddRequest("llm-haiku", {"prompt": "# a heading"})),
    ],
)
def test_quick_add_unique_key(line: str, expected: QuickAddRequest) -> None:
    got = parse_quick_add(line, tool="llm-haiku", prompts=PROMPTS, roles=["reviewer"])
    assert got == expected


def test_quick_add_key_needs_text() -> None:
    with pytest.raises(QuickAddError, match="type a prompt"):
        parse_quick_add("#lonely", tool="llm-haiku", prompts=PROMPTS)
