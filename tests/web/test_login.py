"""The page's password check: right or wrong, and guessing slowed to one failure a second."""

import asyncio
import inspect
import time
from concurrent.futures import ThreadPoolExecutor

from policy_qa.web.login import FAILURE_DELAY_S, LoginCheck


def _run(coroutine):
    """Run on a fresh loop in its own thread: a browser test's loop may still be running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_the_check_is_seen_as_a_coroutine_function():
    # Gradio awaits the check only when inspect says it is a coroutine function; otherwise any password passes.
    assert inspect.iscoroutinefunction(LoginCheck("anna", "s3cret").verify)


def test_only_the_account_passes_and_guessing_is_slowed():
    check = LoginCheck("anna", "s3cret")

    async def attempts():
        started = time.monotonic()
        results = await asyncio.gather(*(check.verify("anna", f"guess{i}") for i in range(4)))
        guessed = time.monotonic() - started
        right = await check.verify("anna", "s3cret")
        return results, guessed, right, await check.verify("anna\ud800", "s3cret")

    results, guessed, right, odd = _run(attempts())
    assert results == [False] * 4 and right and not odd
    assert guessed >= 3 * FAILURE_DELAY_S  # four wrong passwords take at least three delays, whatever the concurrency
