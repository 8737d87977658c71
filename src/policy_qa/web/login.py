"""The page's password check, slowed after a wrong password so that guessing is limited to one try a second.

Gradio awaits ``LoginCheck.verify`` inside its login route; attempts wait their turn (one lock) and, after a
failure, until ``FAILURE_DELAY_S`` has passed, without blocking the server's event loop. Nobody is locked out: a person who
types the right password after a guesser waits at most the queue of attempts ahead of them.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time

log = logging.getLogger("policy_qa.web")

FAILURE_DELAY_S = 1.0


class LoginCheck:
    """``await check.verify(username, password)``: whether they are the page's account, at most one failure a second.

    Hand Gradio the bound method ``verify``, not the object: Gradio awaits the check only when
    ``inspect.iscoroutinefunction`` says so, which is false for an object with an async ``__call__``; it would
    then take the un-awaited coroutine for a truthy "yes" and let any password in.
    """

    def __init__(self, user: str, password: str) -> None:
        self._user = user.encode("utf-8")
        self._password = password.encode("utf-8")
        self._lock: asyncio.Lock | None = None
        self._next_try = 0.0

    async def verify(self, username: str, password: str) -> bool:
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            wait = self._next_try - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            right = hmac.compare_digest(str(username).encode("utf-8", "replace"), self._user)
            right &= hmac.compare_digest(str(password).encode("utf-8", "replace"), self._password)
            if not right:
                self._next_try = time.monotonic() + FAILURE_DELAY_S
                log.warning("wrong user name or password for the page")
            return right
