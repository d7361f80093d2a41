"""Child processes with their logs in files, stopped gently then firmly."""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM when the stack's process dies, even by SIGKILL; no orphans."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


# Linux sends the parent-death signal when the *thread* that forked the child ends, not the process.
# Every child is forked from this one thread, which lives as long as the process: stacks may then be
# started (and components restarted) from any thread.
_SPAWNER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="spawner")


@dataclass(frozen=True)
class LogLimits:
    """How much log a process may leave: its file up to `max_bytes`, then `backups` older ones
    (name.log.1 the newest). A loaded gateway writes tens of megabytes in minutes."""

    max_bytes: int = 10 * 1024 * 1024
    backups: int = 3


# A line longer than this is cut in pieces rather than held whole in memory.
_MAX_LINE = 64 * 1024
_TAIL_BYTES = 64 * 1024


class RotatingLog:
    """An append-only log file that never grows past `max_bytes`: when the next line would not fit,
    name.log becomes name.log.1 (name.log.1 becomes .2 ...) and the oldest beyond `backups` goes.
    Counted in bytes as written, whatever the program's encoding."""

    def __init__(self, path: Path, limits: LogLimits) -> None:
        self.path = path
        self.limits = limits
        self._file = path.open("ab")

    def write(self, chunk: bytes) -> None:
        if self._file.tell() and self._file.tell() + len(chunk) > self.limits.max_bytes:
            self._rotate()
        self._file.write(chunk)
        self._file.flush()

    def _rotate(self) -> None:
        self._file.close()
        for number in range(self.limits.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{number}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{number + 1}"))
        if self.limits.backups > 0:
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink()
        self._file = self.path.open("ab")

    def close(self) -> None:
        self._file.close()


def copy_to_rotating_log(pipe: IO[bytes], path: Path, limits: LogLimits) -> None:
    """Write what a child prints to `path`, rotated by size, until the child closes its output."""
    log = RotatingLog(path, limits)
    try:
        for line in iter(lambda: pipe.readline(min(_MAX_LINE, limits.max_bytes)), b""):
            log.write(line)
    finally:
        log.close()
        pipe.close()


@dataclass
class ManagedProcess:
    name: str
    argv: Sequence[str]
    env: dict[str, str]
    log_path: Path
    cwd: Path
    # Open files the process inherits under the same numbers (a listening socket).
    pass_fds: tuple[int, ...] = ()
    log_limits: LogLimits = LogLimits()
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _log_copier: threading.Thread | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Through a pipe the runner reads, so the log is rotated whatever the program (nats-server and
        # redis-server included) does with its output.
        self.process = _SPAWNER.submit(
            subprocess.Popen,
            list(self.argv),
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Own process group: Ctrl-C in the terminal reaches the stack, which stops children in order.
            start_new_session=True,
            preexec_fn=_die_with_parent,
            pass_fds=self.pass_fds,
        ).result()
        assert self.process.stdout is not None  # stdout=PIPE
        self._log_copier = threading.Thread(
            target=copy_to_rotating_log,
            args=(self.process.stdout, self.log_path, self.log_limits),
            name=f"log-{self.name}",
            daemon=True,
        )
        self._log_copier.start()

    def wait(self, timeout: float) -> int:
        """The exit code, once the process has ended and its last lines are in the log."""
        assert self.process is not None
        code = self.process.wait(timeout)
        self._flush_log()
        return code

    def _flush_log(self) -> None:
        # A grandchild holding the pipe open must not hold us: the bound is for that case only.
        if self._log_copier is not None:
            self._log_copier.join(timeout=5)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def signal(self, signum: int) -> None:
        if self.running and self.process is not None:
            os.kill(self.process.pid, signum)

    def stop(self, timeout: float = 10.0) -> None:
        if not self.running or self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self._flush_log()

    def tail(self, lines: int = 30) -> str:
        """The last lines of its log, from the newest backup too when the file was just rotated."""
        if not self.running:
            self._flush_log()
        end = b""
        for path in (self.log_path.with_name(f"{self.log_path.name}.1"), self.log_path):
            with contextlib.suppress(FileNotFoundError), path.open("rb") as log:
                # Only the end of a file that may hold megabytes.
                log.seek(max(0, log.seek(0, os.SEEK_END) - _TAIL_BYTES))
                end += log.read()
        return "\n".join(end.decode(errors="replace").splitlines()[-lines:])


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


def run_all(
    commands: Mapping[str, tuple[Sequence[str], dict[str, str]]],
    *,
    cwd: Path,
    log_dir: Path,
    log_limits: LogLimits = LogLimits(),
) -> None:
    """Run one-shot commands (migrations, seeds) in parallel; raise with the log of any that fails."""
    running = [
        ManagedProcess(name, argv, env, log_dir / f"{name}.log", cwd, log_limits=log_limits)
        for name, (argv, env) in commands.items()
    ]
    for process in running:
        process.start()
    failed = []
    for process in running:
        code = process.wait(timeout=300)
        if code != 0:
            failed.append(f"{process.name} exited with {code}:\n{process.tail(20)}")
    if failed:
        raise RuntimeError("\n\n".join(failed))
