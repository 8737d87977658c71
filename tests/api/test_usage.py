"""Token counts of a completion (cl100k_base, offline)."""

from __future__ import annotations

from policy_qa.api.usage import usage


def test_usage_counts_the_prompt_and_the_completion():
    counted = usage(["临汾标准化厂房建了多少？", "那晋城呢？"], "37.9万平方米[1]。")
    assert counted["prompt_tokens"] > 10 and counted["completion_tokens"] > 5
    assert counted["total_tokens"] == counted["prompt_tokens"] + counted["completion_tokens"]
    assert usage([], "")["total_tokens"] == 0
    assert usage(["<|endoftext|>"], "")["prompt_tokens"] > 1  # special tokens are counted as text, never refused
