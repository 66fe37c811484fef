"""``python bench/run.py [--quick] [--smoke] [--json] [--only GROUP ...]``: measure SparkQ next to
the machine's limit and its peers in one run; print one markdown table (or JSON)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the ``bench`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

from bench import machine, sizes, table

# Order matters: the ratios need the limit and peer rows that come before.
GROUPS = {
    "limits": "bench.limits",
    "sparkq": "bench.sparkq_socket",
    "runner": "bench.runner_drain",
    "peers": "bench.peers",
    "python": "bench.python_calls",
    "postgres": "bench.postgres",
    "store": "bench.big_store",
    "cockpit": "bench.cockpit",
    "flood": "bench.flood",
    "cockpit_flood": "bench.cockpit_flood",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 75 s)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run: seconds")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--json-out", metavar="PATH", help="also write the JSON to PATH")
    parser.add_argument("--only", nargs="+", choices=list(GROUPS), help="run only these groups")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = sizes.pick(args.quick, args.smoke)
    info = machine.describe()
    figures = []
    failed: list[str] = []
    for name, module in GROUPS.items():
        if args.only and name not in args.only:
            continue
        started = time.perf_counter()
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        try:
            figures += importlib.import_module(module).measure(chosen)
        except Exception:  # one broken group must not lose the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        print(f"bench: {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    info["load_at_end"] = list(os.getloadavg())
    rows = table.evaluate(figures)
    document = {"machine": info, "mode": _mode(args), "figures": rows}
    if args.json_out:
        Path(args.json_out).write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    if args.json:
        print(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    else:
        print(table.markdown(rows))
        print()
        print(f"Machine: {machine.summary(info)}. Mode: {_mode(args)}.")
    if failed:
        print(f"bench: these groups failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _mode(args: argparse.Namespace) -> str:
    return "smoke" if args.smoke else "quick" if args.quick else "full"


if __name__ == "__main__":
    sys.exit(main())
