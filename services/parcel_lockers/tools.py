"""What the use cases use besides the session: settings, bus, signing key, notifier, attempt counter.
Built once per process, when the runtime exists (the service's background, app.py), so that a
missing signing key stops the start, not the first request."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from kernel.attempts import AttemptCounter, AttemptPolicy
from kernel.background import Background
from kernel.bus import NatsBus
from kernel.notifier import Notifier, build_notifier
from kernel.runtime import ServiceRuntime
from services.parcel_lockers import domain
from services.parcel_lockers.settings import Settings
from services.parcel_lockers.unlock import UnlockSigner, load_or_create_key


@dataclass
class Tools:
    settings: Settings
    bus: NatsBus
    signer: UnlockSigner
    redis: Redis | None
    notifier: Notifier | None
    # Wrong codes per bank (keypad) and per parcel (the presence code of an app opening).
    attempts: AttemptCounter | None = None

    @property
    def code_policy(self) -> AttemptPolicy:
        """Five wrong codes, then locked for the cooling period."""
        cooling = self.settings.keypad_lockout_seconds
        return AttemptPolicy(
            limit=domain.MAX_WRONG_CODES,
            window_seconds=cooling,
            lockout_seconds=cooling,
            max_lockout_seconds=cooling,
        )


def build_tools(runtime: ServiceRuntime) -> Tools:
    """The process's tools from the kernel's runtime; refuses to serve production without its key."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    problem = settings.serving_problem()
    if problem:
        raise RuntimeError(problem)
    key = load_or_create_key(settings.unlock_key_file, create=settings.environment != "production")
    redis = runtime.redis
    return Tools(
        settings=settings,
        bus=runtime.bus,
        signer=UnlockSigner(key, ttl_seconds=settings.unlock_token_seconds),
        redis=redis,
        notifier=build_notifier(settings.notifier, redis=redis) if redis is not None else None,
        attempts=AttemptCounter(redis, prefix="lockers") if redis is not None else None,
    )


@dataclass(frozen=True)
class LockersBackground(Background):
    """The service's background work, and the tools its routes share with it."""

    tools: Tools | None = None


def tools_of(runtime: ServiceRuntime) -> Tools:
    """The process's tools, made with its background."""
    background = runtime.background
    assert isinstance(background, LockersBackground) and background.tools is not None
    return background.tools
