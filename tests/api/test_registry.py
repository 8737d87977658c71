"""Knowledge bases by name, and the engine of each answer mode."""

from __future__ import annotations

import pytest

from policy_qa.api.registry import (
    KnowledgeBase,
    KnowledgeBases,
    check_name,
    parse_model,
)
from policy_qa.errors import PolicyQAError

from .conftest import KB


def test_a_model_id_is_a_base_with_an_optional_mode():
    assert parse_model("政策库") == ("政策库", None)
    assert parse_model("政策库:llm") == ("政策库", "llm")
    assert parse_model("政策库:") == ("政策库", "")


@pytest.mark.parametrize("name", ["", "a:b", "a/b", "..", "x" * 65, "有 空格"])
def test_a_name_that_cannot_name_a_base_is_refused(name):
    with pytest.raises(PolicyQAError, match="--kb-name"):
        check_name(name)


def test_names_are_unique_and_the_first_is_the_default(knowledge_bases):
    base = knowledge_bases.default
    assert base.name == KB and knowledge_bases.get(KB) is base and knowledge_bases.get("无") is None
    with pytest.raises(PolicyQAError, match="重复"):
        KnowledgeBases([base, KnowledgeBase(KB, base.engine, base.llm)])


def test_the_mode_of_the_engine_is_served_by_it_and_the_other_by_a_second_engine(knowledge_bases):
    base = knowledge_bases.default
    assert base.engine.answer_mode == "extractive"
    assert base.engine_for(None) is base.engine and base.engine_for("extractive") is base.engine
    llm = base.engine_for("llm")
    assert llm is not base.engine and llm.answer_mode == "remote" and llm.catalog is base.engine.catalog
    assert base.engine_for("llm") is llm  # made once
    base.engine.reindex()
    renewed = base.engine_for("llm")
    assert renewed is not llm and renewed.catalog is base.engine.catalog  # the index changed: made again
