"""Substring frequency: exact on small corpora; on large ones a sampled estimate that never calls a used word absent."""

from __future__ import annotations

import random

from policy_qa.index import frequency
from policy_qa.index.frequency import SubstringFrequency


def test_counts_are_exact_up_to_the_limit():
    texts = ["开发区建成标准化厂房", "标准化厂房已使用", "引进项目", ""] * 5
    counted = SubstringFrequency(texts)
    assert (counted.count("标准化厂房"), counted.count("项目"), counted.count("税收"), counted.size) == (10, 5, 0, 20)


def test_large_corpora_are_sampled_and_a_rare_word_is_still_found(monkeypatch):
    monkeypatch.setattr(frequency, "EXACT_UP_TO", 100)
    chance = random.Random(3)
    texts = [f"第{k}篇：开发区{'建成厂房' if chance.random() < 0.25 else '引进项目'}" for k in range(1000)]
    texts[517] += "海洋牧场"  # in one text, which the sample of every tenth text misses
    counted = SubstringFrequency(texts)
    built = sum("建成厂房" in text for text in texts)
    assert abs(counted.count("建成厂房") - built) < 100 and abs(counted.count("引进项目") - (1000 - built)) < 100
    assert counted.count("海洋牧场") == 1 and counted.count("税收") == 0
