"""The page's password check: right or wrong, and guessing slowed to one failure a second."""

import asyncio
import time

from policy_qa.web.login import FAILURE_DELAY_S, LoginCheck


def test_only_the_account_passes_and_guessing_is_slowed():
    check = LoginCheck("anna", "s3cret")

    async def attempts():
        started = time.monotonic()
        results = await asyncio.gather(*(check("anna", f"guess{i}") for i in range(4)))
        guessed = time.monotonic() - started
        right = await check("anna", "s3cret")
        return results, guessed, right, await check("anna\ud800", "s3cret")

    results, guessed, right, odd = asyncio.run(attempts())
    assert results == [False] * 4 and right and not odd
    assert guessed >= 3 * FAILURE_DELAY_S  # four wrong passwords take at least three delays, whatever the concurrency
