"""``/v1/chat/completions`` and ``/v1/models`` through the official ``openai`` client, against the real server."""

from __future__ import annotations

import httpx
import openai
import pytest

from .conftest import KB, LLM_DRAFT, QUESTION, bearer


def client(api, key: str | None = "reader") -> openai.OpenAI:
    return openai.OpenAI(base_url=api.v1, api_key=api.keys[key] if key else "none", max_retries=0, timeout=60)


def ask(api, content: str = QUESTION, model: str = KB, key: str | None = "reader", **options):
    messages = [{"role": "user", "content": content}]
    return client(api, key).chat.completions.create(model=model, messages=messages, **options)


def test_the_answer_has_its_markers_its_numbered_sources_and_the_citations_as_data(api):
    completion = ask(api)
    assert completion.id.startswith("chatcmpl-") and completion.object == "chat.completion"
    assert completion.model == KB and completion.created > 1_700_000_000
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    text = choice.message.content
    answer, sources = text.split("\n\n来源：\n\n")
    assert "37.9万平方米" in answer and "[1]" in answer
    assert sources.startswith("[1] 临汾市 › 2023年工作成绩 › 五是要素保障扎实有力（临汾晋城开发区2023年工作情况.txt，第 87 行）\n> 「")
    citation = completion.model_extra["citations"][0]
    assert citation["index"] == 1 and "37.9万平方米" in citation["quote"] and citation["line"] == 87
    assert citation["quote"] in sources
    assert completion.model_extra["policy_qa"] == {"question": QUESTION, "refused": False, "answerer": "extractive", "note": None}
    usage = completion.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > usage.prompt_tokens
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_a_follow_up_is_read_through_the_earlier_user_messages(api):
    messages = [
        {"role": "system", "content": "你是助手。"},
        {"role": "user", "content": "临汾开发区2023年新签约项目多少个？"},
        {"role": "assistant", "content": "（上一个回答）"},
        {"role": "user", "content": [{"type": "text", "text": "那晋城呢？"}]},
    ]
    completion = client(api).chat.completions.create(model=f"{KB}:extractive", messages=messages)
    assert completion.model_extra["policy_qa"]["question"].startswith("晋城")


def test_a_stream_sends_chunks_then_the_citations_and_usage_then_done(api):
    chunks = list(ask(api, stream=True, stream_options={"include_usage": True}))
    assert len({chunk.id for chunk in chunks}) == 1 and all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == ask(api).choices[0].message.content
    last_choice = [chunk for chunk in chunks if chunk.choices][-1]
    assert last_choice.choices[0].finish_reason == "stop" and last_choice.model_extra["citations"][0]["line"] == 87
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0
    raw = httpx.post(f"{api.v1}/chat/completions", headers=bearer(api.keys["reader"]), timeout=60,
                     json={"model": KB, "stream": True, "messages": [{"role": "user", "content": QUESTION}]})
    assert raw.headers["content-type"].startswith("text/event-stream") and raw.text.endswith("data: [DONE]\n\n")


def test_llm_mode_streams_the_draft_as_reasoning_then_the_verified_answer(api, fake_llm):
    chunks = list(ask(api, model=f"{KB}:llm", stream=True))
    draft = "".join(chunk.choices[0].delta.model_extra.get("reasoning_content") or "" for chunk in chunks)
    assert draft == LLM_DRAFT
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text.startswith("2023年，临汾建成标准化厂房37.9万平方米[1]。\n\n来源：")  # verified: [3] moved to [1]
    assert chunks[-1].model_extra["policy_qa"]["answerer"] == "llm"
    plain = ask(api, model=f"{KB}:llm")
    assert plain.choices[0].message.content == text and plain.model_extra["policy_qa"]["answerer"] == "llm"
    assert ask(api, model=f"{KB}:extractive").model_extra["policy_qa"]["answerer"] == "extractive"


def test_models_lists_the_knowledge_base_with_its_modes(api):
    models = client(api).models.list()
    assert [model.id for model in models.data] == [KB, f"{KB}:extractive", f"{KB}:llm"]
    assert all(model.object == "model" and model.owned_by == "policy-qa" for model in models.data)
    assert client(api).models.retrieve(f"{KB}:llm").id == f"{KB}:llm"
    assert client(api, "outsider").models.list().data == []


@pytest.mark.parametrize(
    ("content", "model", "error", "code"),
    [
        (QUESTION, "没有这个库", openai.PermissionDeniedError, "kb_forbidden"),  # outside the key: 403, not 404
        (QUESTION, f"{KB}:creative", openai.NotFoundError, "model_not_found"),
        ("   ", KB, openai.BadRequestError, "invalid_question"),
        ("问" * 501, KB, openai.BadRequestError, "invalid_question"),
    ],
)
def test_errors_reach_the_client_as_openai_errors(api, content, model, error, code):
    with pytest.raises(error) as raised:
        ask(api, content=content, model=model)
    body = raised.value.body
    assert body["code"] == code and body["message"] and set(body) == {"message", "type", "param", "code"}


def test_an_unknown_model_is_404_for_a_caller_who_may_use_every_base(open_api):
    with pytest.raises(openai.NotFoundError) as raised:
        ask(open_api, model="没有这个库", key=None)
    assert raised.value.body["param"] == "model" and "不存在" in raised.value.body["message"]


def test_keys_decide_who_may_ask(api, open_api):
    with pytest.raises(openai.AuthenticationError):
        ask(api, key=None)
    with pytest.raises(openai.AuthenticationError) as raised:
        openai.OpenAI(base_url=api.v1, api_key="pqa-wrong", max_retries=0).models.list()
    assert raised.value.body["code"] == "invalid_api_key"
    with pytest.raises(openai.PermissionDeniedError) as raised:
        ask(api, key="outsider")
    assert KB in raised.value.body["message"] and "37.9" not in str(raised.value.body)
    assert "37.9万平方米" in ask(api, key="writer").choices[0].message.content
    assert "37.9万平方米" in ask(open_api, key=None).choices[0].message.content  # loopback, no keys: open
