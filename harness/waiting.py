"""The one wait loop of the harness: poll a check until it holds, show progress, give up at a deadline
saying what was waited for and what was last seen."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.5
PROGRESS_SECONDS = 5.0


class WaitTimeout(TimeoutError, AssertionError):
    """A wait gave up; the message names what was waited for, for how long, and the last observation.

    An AssertionError too, so that a test's wait reads as a failed expectation, not an error."""


class NotYet(Exception):
    """Raised by a check to say "not yet", with what it saw (shown in progress and in the timeout)."""


def wait_until(check: Callable[[], T], *, timeout: float, what: str, poll: float = POLL_SECONDS,
               say: Callable[[str], None] | None = None, give_up: Callable[[], str | None] | None = None,
               errors: tuple[type[BaseException], ...] = (Exception,)) -> T:
    """Call `check` until it returns a truthy value, and return that value.

    `check` may raise NotYet("what it saw"); other exceptions of `errors` also mean "not yet"
    (their message is the last observation). `give_up`, when it returns a reason, ends the wait at
    once with that reason (e.g. the server being waited for has exited). Progress goes to `say`
    every few seconds."""
    started = time.monotonic()
    deadline = started + timeout
    last, last_said = "nothing yet", started
    while True:
        try:
            result = check()
            if result:
                return result
            last = repr(result) if result is not None else "not yet"
        except NotYet as exc:
            last = str(exc)
        except errors as exc:
            last = f"{type(exc).__name__}: {exc}"
        if give_up is not None:
            reason = give_up()
            if reason:
                raise WaitTimeout(f"stopped waiting for {what} after {time.monotonic() - started:.1f} s: {reason}")
        now = time.monotonic()
        if now >= deadline:
            raise WaitTimeout(f"gave up waiting for {what} after {timeout:g} s; last seen: {last}")
        if say is not None and now - last_said >= PROGRESS_SECONDS:
            say(f"  waiting for {what}: {now - started:.0f} s of {timeout:g} s; {last}")
            last_said = now
        time.sleep(min(poll, max(0.0, deadline - now)))


def holds_within(check: Callable[[], object], *, timeout: float, what: str, poll: float = POLL_SECONDS) -> bool:
    """Whether `check` holds within `timeout` (raising NotYet or returning a falsy value: not yet), for callers
    whose answer is what they last observed either way (a report row, the losses still missing)."""
    try:
        wait_until(check, timeout=timeout, what=what, poll=poll, errors=())
        return True
    except WaitTimeout:
        return False
