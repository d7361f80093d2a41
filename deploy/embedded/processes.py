"""Child processes with their logs in files, stopped gently then firmly."""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM when the stack's process dies, even by SIGKILL; no orphans."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


# Linux sends the parent-death signal when the *thread* that forked the child ends, not the process.
# Every child is forked from this one thread, which lives as long as the process: stacks may then be
# started (and components restarted) from any thread.
_SPAWNER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="spawner")


@dataclass
class ManagedProcess:
    name: str
    argv: Sequence[str]
    env: dict[str, str]
    log_path: Path
    cwd: Path
    # Open files the process inherits under the same numbers (a listening socket).
    pass_fds: tuple[int, ...] = ()
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = _SPAWNER.submit(
            subprocess.Popen,
            list(self.argv),
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Own process group: Ctrl-C in the terminal reaches the stack, which stops children in order.
            start_new_session=True,
            preexec_fn=_die_with_parent,
            pass_fds=self.pass_fds,
        ).result()
        log.close()

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

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


def run_all(commands: dict[str, tuple[Sequence[str], dict[str, str]]], *, cwd: Path, log_dir: Path) -> None:
    """Run one-shot commands (migrations, seeds) in parallel; raise with the log of any that fails."""
    running = {}
    for name, (argv, env) in commands.items():
        log_path = log_dir / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            running[name] = (
                subprocess.Popen(list(argv), env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT),
                log_path,
            )
    failed = []
    for name, (process, log_path) in running.items():
        if process.wait(timeout=300) != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
            failed.append(f"{name} exited with {process.returncode}:\n{tail}")
    if failed:
        raise RuntimeError("\n\n".join(failed))
