"""Where a process's CPU goes under load: py-spy samples it while wrk loads a URL, and the collapsed
stacks become a table by package and by function."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import wrk

Sampling = tuple[subprocess.Popen[bytes], Path]


def start_sampling(pid: int, seconds: float) -> Sampling:
    """py-spy on `pid` for `seconds`, in the background; its raw stacks go to a temporary file."""
    raw = Path(tempfile.mkstemp(suffix=".txt")[1])
    # Installed beside this interpreter by `.[bench]`.
    py_spy = Path(sys.executable).with_name("py-spy")
    command = [str(py_spy) if py_spy.exists() else "py-spy", "record", "--pid", str(pid)]
    command += ["--duration", str(int(seconds)), "--rate", "200", "--format", "raw"]
    command += ["--output", str(raw), "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), raw


def write_table(sampling: Sampling, out: Path, title: str, *, top: int = 15) -> Path:
    """Wait for the sampling to end, write its table under `title` to `out`."""
    process, raw = sampling
    process.wait(timeout=120)
    out.write_text(f"# {title}\n\n" + summarize_profile(raw, top=top) + "\n")
    raw.unlink()
    return out


def profile_under_load(pid: int | None, url: str, seconds: int, out: Path, title: str) -> Path:
    """Sample `pid` with py-spy while wrk loads `url` at 16 connections; writes the table to `out`."""
    assert pid is not None, "the process is not running"
    sampling = start_sampling(pid, seconds)
    time.sleep(1)  # py-spy attached before the load starts
    wrk(url, connections=16, seconds=seconds)
    return write_table(sampling, out, title)


def summarize_profile(raw: Path, top: int = 15) -> str:
    """Where the gateway's CPU goes, from py-spy's collapsed stacks: samples by the package of the
    innermost frame (self time), then the busiest functions."""
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        innermost = stack.split(";")[-1]
        total += int(count)
        by_function[innermost] += int(count)
        by_package[package_of(innermost)] += int(count)
    rows = ["| share of samples | package (self time) |", "| --- | --- |"]
    rows += [f"| {n / total:.0%} | {name} |" for name, n in by_package.most_common(top)]
    rows += ["", "| share of samples | function (self time) |", "| --- | --- |"]
    rows += [f"| {n / total:.1%} | `{name}` |" for name, n in by_function.most_common(top)]
    return "\n".join(rows)


def package_of(frame: str) -> str:
    """`send (httpcore/_async/http11.py:80)` -> `httpcore`."""
    location = frame.rpartition("(")[2]
    path = location.split(":")[0]
    return path.split("/")[0] if "/" in path else (path or "other")
