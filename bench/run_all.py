"""Run the whole benchmark suite (``make bench``) and print one table of figures.

Each script runs in its own process, one after the other (they share 2 cores with
everything else on the machine), bounded by a timeout; its output is shown as it
comes.  Scripts of this suite print ``FIGURE\\t{json}`` lines (figure, value, target,
conditions); for the other bench scripts the table shows their last line.

    python bench/run_all.py [--quick] [--only fairness,freshness] [--markdown FILE]

``--quick`` runs reduced sizes (minutes instead of tens of minutes).  Figures are
printed, never asserted: the exit code is 0 unless a script crashed or timed out.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
FIGURE_PREFIX = "FIGURE\t"


@dataclass
class Script:
    name: str
    full: list[str] = field(default_factory=list)
    quick: list[str] = field(default_factory=list)
    timeout: float = 1800.0
    quick_timeout: float = 600.0


SUITE = [
    Script("pipeline_overhead", [], ["--quick"], 900, 400),
    Script("fairness", [], ["--quick"], 1200, 600),
    Script("fairness", ["--unpaced", "--wait", "180"], ["--quick", "--unpaced"], 1200, 600),
    Script("freshness", [], ["--quick"], 1500, 600),
    Script("export_calls", [], ["--quick"], 1500, 600),
    Script("footprint", [], ["--quick"], 1800, 600),
    # the other engineers' scripts (run when present)
    Script("e2e_import", [], ["--records", "1000", "--timeout", "500"], 3700, 600),
    Script("opportunity_polling", [], ["--opportunities", "1000"], 900, 300),
    Script("sellsy_client_listing", [], ["--records", "2000", "--runs", "1"], 900, 300),
    Script("sellsy_sandbox_throughput", [], ["--companies", "2000", "--runs", "1"], 900, 300),
    Script("altior_listing", [], ["--records", "2000"], 900, 300),
]


def known_options(path: Path) -> set[str]:
    """Options a script's ``--help`` lists (so a renamed option is dropped, not fatal)."""
    done = subprocess.run(
        [sys.executable, str(path), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return set(re.findall(r"--[a-z][a-z0-9-]*", done.stdout))


def usable(args: list[str], options: set[str]) -> list[str]:
    kept: list[str] = []
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg.startswith("--"):
            if arg in options:
                kept.append(arg)
            elif index + 1 < len(args) and not args[index + 1].startswith("--"):
                skip = True  # drop the option's value too
        else:
            kept.append(arg)
    return kept


@dataclass
class Outcome:
    script: str
    rows: list[dict[str, str]]
    seconds: float
    status: str


def run(script: Script, quick: bool) -> Outcome | None:
    path = BENCH / f"{script.name}.py"
    if not path.exists():
        print(f"== {script.name}: not present, skipped", flush=True)
        return None
    args = usable(script.quick if quick else script.full, known_options(path))
    timeout = script.quick_timeout if quick else script.timeout
    label = " ".join([f"{script.name}.py", *args])
    print(f"\n== {label} (at most {timeout:.0f} s)", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-u", str(path), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    rows: list[dict[str, str]] = []
    last = ""
    expired = threading.Event()

    def expire() -> None:  # a silent, stuck script is stopped too
        expired.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        time.sleep(30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip("\n")
        if line.startswith(FIGURE_PREFIX):
            rows.append(json.loads(line[len(FIGURE_PREFIX) :]))
        elif not _is_noise(line):
            print("   " + line, flush=True)
            if line.strip():
                last = line.strip()
    code = process.wait()
    timer.cancel()
    status = f"timed out after {timeout:.0f} s" if expired.is_set() else "ok"
    if code != 0 and not expired.is_set():
        status = f"exit {code}"
    seconds = time.monotonic() - started
    if not rows:
        rows.append({"figure": script.name, "value": last[:160], "target": "-",
                     "conditions": "see the script's output above"})  # fmt: skip
    for row in rows:
        row.setdefault("met", "-")
        row["script"] = label
        if status != "ok":
            row["value"] = f"{row['value']} [{status}]"
    print(f"== {script.name}: {status} in {seconds:.0f} s", flush=True)
    return Outcome(label, rows, seconds, status)


_NOISE = ("Group Coordinator Request failed", "Marking the coordinator dead", "Heartbeat failed")


def _is_noise(line: str) -> bool:
    """aiokafka's group-coordinator warnings while a fresh broker elects: not figures."""
    return any(marker in line for marker in _NOISE)


def markdown(outcomes: list[Outcome]) -> str:
    lines = ["| figure | value | target | met | conditions |", "|---|---|---|---|---|"]
    for outcome in outcomes:
        for row in outcome.rows:
            cells = [row["figure"], row["value"], row["target"], row["met"], row["conditions"]]
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes")
    parser.add_argument("--only", default="", help="comma-separated script names")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    wanted = {name for name in args.only.split(",") if name}
    started = time.monotonic()
    outcomes = [
        outcome
        for script in SUITE
        if not wanted or script.name in wanted
        if (outcome := run(script, args.quick)) is not None
    ]
    table = markdown(outcomes)
    print(f"\n== sync-streams benchmark suite ({'quick' if args.quick else 'full'}), "
          f"{time.monotonic() - started:.0f} s\n")  # fmt: skip
    print(table)
    if args.markdown is not None:
        args.markdown.write_text(table + "\n")
    return 0 if all(o.status == "ok" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
