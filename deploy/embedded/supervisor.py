"""Keeps the embedded station running: a crashed component is restarted with backoff, like a service
manager would; one that keeps crashing stops the station with a clear message."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class RestartPolicy:
    """When to restart a component that exited, and when to give up. Pure: the caller gives the time."""

    first_delay: float = 0.5
    max_delay: float = 15.0
    # More crashes than this within the window means the component cannot run: stop trying.
    max_crashes: int = 5
    window_seconds: float = 60.0
    _crashes: deque[float] = field(default_factory=deque)

    def crashed(self, now: float) -> float | None:
        """Record a crash; the seconds to wait before restarting, or None to give up."""
        self._crashes.append(now)
        while self._crashes and now - self._crashes[0] > self.window_seconds:
            self._crashes.popleft()
        if len(self._crashes) > self.max_crashes:
            return None
        return min(self.first_delay * 2 ** (len(self._crashes) - 1), self.max_delay)


class GaveUp(RuntimeError):
    """A component crashed too often; the message says which and shows its last log lines."""


@dataclass
class _Watched:
    policy: RestartPolicy
    restart_at: float | None = None


class Supervisor:
    """Restarts the components that exited: `running` tells which run, `restart` starts one again,
    `tail` gives its last log lines for the message."""

    def __init__(
        self,
        *,
        running: Callable[[], dict[str, bool]],
        restart: Callable[[str], None],
        tail: Callable[[str], str],
        policy: Callable[[], RestartPolicy] = RestartPolicy,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.running = running
        self.restart = restart
        self.tail = tail
        self.policy = policy
        self.clock = clock
        self.restarts: dict[str, int] = {}
        self._watched: dict[str, _Watched] = {}

    def check(self) -> None:
        """One round: schedule restarts for the components that exited, and do those that are due."""
        now = self.clock()
        for name, is_running in self.running().items():
            watched = self._watched.setdefault(name, _Watched(self.policy()))
            if is_running or watched.restart_at is not None:
                if watched.restart_at is not None and now >= watched.restart_at:
                    watched.restart_at = None
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    log.warning("restarting %s (restart #%d)", name, self.restarts[name])
                    try:
                        self.restart(name)
                    except Exception:
                        # Still not running: the next round counts it as another crash.
                        log.exception("could not restart %s", name)
                continue
            delay = watched.policy.crashed(now)
            if delay is None:
                raise GaveUp(
                    f"{name} crashed {watched.policy.max_crashes + 1} times within "
                    f"{watched.policy.window_seconds:.0f}s; the station stops. Last lines of its log:\n"
                    f"{self.tail(name)}"
                )
            log.warning(
                "%s exited; restarting in %.1fs. Last lines of its log:\n%s", name, delay, self.tail(name)
            )
            watched.restart_at = now + delay

    def run(self, stop: threading.Event, interval: float = 0.5) -> None:
        """Check until `stop` is set; raises GaveUp when a component cannot be kept running."""
        while not stop.wait(interval):
            self.check()
