"""The embedded runner's logs stay bounded: whatever a process prints, its files are rotated by size."""

from __future__ import annotations

import sys
from pathlib import Path

from deploy.embedded.processes import LogLimits, ManagedProcess, run_all

LIMITS = LogLimits(max_bytes=64 * 1024, backups=2)
LINE = "x" * 99  # 100 bytes a line with its newline


def chatty(lines: int) -> list[str]:
    """A real process printing `lines` numbered lines of 100 bytes, on stdout and stderr both."""
    script = (
        "import sys\n"
        f"for i in range({lines}):\n"
        f"    print(f'{{i:08d}} {LINE[:90]}', file=sys.stderr if i % 2 else sys.stdout)\n"
    )
    return [sys.executable, "-u", "-c", script]


def log_files(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_size for path in sorted(folder.iterdir())}


def assert_bounded(folder: Path, name: str, limits: LogLimits) -> None:
    files = log_files(folder)
    allowed = {name} | {f"{name}.{n}" for n in range(1, limits.backups + 1)}
    assert set(files) <= allowed, files
    assert all(size <= limits.max_bytes for size in files.values()), files


def test_a_process_printing_more_than_the_cap_leaves_bounded_files_with_its_latest_lines(tmp_path):
    lines = 5000  # 500 kB: about eight times what the files may hold
    process = ManagedProcess(
        name="chatty",
        argv=chatty(lines),
        env={},
        log_path=tmp_path / "chatty.log",
        cwd=tmp_path,
        log_limits=LIMITS,
    )
    process.start()
    assert process.wait(timeout=60) == 0

    assert_bounded(tmp_path, "chatty.log", LIMITS)
    assert set(log_files(tmp_path)) == {"chatty.log", "chatty.log.1", "chatty.log.2"}
    # The newest lines are kept, in order, across the newest backup and the current file.
    assert process.tail(3).splitlines() == [f"{i:08d} {LINE[:90]}" for i in range(lines - 3, lines)]
    kept = [
        int(line.split()[0])
        for name in ("chatty.log.2", "chatty.log.1", "chatty.log")
        for line in (tmp_path / name).read_text().splitlines()
    ]
    assert kept == list(range(lines - len(kept), lines))


def test_a_restarted_process_appends_to_its_log_and_still_rotates(tmp_path):
    for _ in range(3):
        process = ManagedProcess(
            name="chatty",
            argv=chatty(400),
            env={},
            log_path=tmp_path / "chatty.log",
            cwd=tmp_path,
            log_limits=LIMITS,
        )
        process.start()
        assert process.wait(timeout=60) == 0
    assert_bounded(tmp_path, "chatty.log", LIMITS)
    assert sum(log_files(tmp_path).values()) == 3 * 400 * 100  # 120 kB: nothing dropped yet


def test_one_shot_commands_are_rotated_and_a_failure_shows_its_last_lines(tmp_path):
    failing = [
        sys.executable,
        "-u",
        "-c",
        "import sys\nfor i in range(3000): print(i)\nsys.exit('migration broke')",
    ]
    try:
        run_all(
            {"ok": (chatty(2000), {}), "broken": (failing, {})},
            cwd=tmp_path,
            log_dir=tmp_path,
            log_limits=LIMITS,
        )
    except RuntimeError as exc:
        message = str(exc)
    else:
        raise AssertionError("a failing command must fail the run")
    assert "broken exited with 1" in message and "migration broke" in message and "ok exited" not in message
    files = log_files(tmp_path)
    assert set(files) <= {"ok.log", "ok.log.1", "ok.log.2", "broken.log"}, files
    assert all(size <= LIMITS.max_bytes for size in files.values()), files


def test_a_line_longer_than_the_cap_is_cut_rather_than_held(tmp_path):
    long_line = [sys.executable, "-c", "print('y' * 300_000)"]
    process = ManagedProcess(
        name="long", argv=long_line, env={}, log_path=tmp_path / "long.log", cwd=tmp_path, log_limits=LIMITS
    )
    process.start()
    assert process.wait(timeout=60) == 0
    assert_bounded(tmp_path, "long.log", LIMITS)
