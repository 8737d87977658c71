"""``POST /v1/ask`` with ``httpx``: the engine's whole answer as JSON, or streamed as events."""

from __future__ import annotations

import json

import httpx

from policy_qa.schema import Answer

from .conftest import KB, LLM_DRAFT, QUESTION, bearer


def post(api, key: str = "reader", **body) -> httpx.Response:
    return httpx.post(f"{api.v1}/ask", json={"question": QUESTION, **body}, headers=bearer(api.keys[key]), timeout=60)


def test_the_answer_is_the_engines_answer_as_json(api):
    response = post(api)
    assert response.status_code == 200
    answer = Answer.from_dict(response.json())
    expected = api.kbs.default.engine.ask(QUESTION)
    assert (answer.text, answer.citations, answer.passages) == (expected.text, expected.citations, expected.passages)
    assert set(response.json()) == set(expected.to_dict()) and answer.timings_ms["total"] > 0


def test_history_kb_mode_and_top_k_are_passed_on(api):
    answer = post(api, history=["临汾开发区2023年新签约项目多少个？"], question="那晋城呢？", kb=KB, mode="extractive", top_k=2).json()
    assert answer["question"].startswith("晋城") and len(answer["passages"]) <= 2


def test_a_stream_sends_the_llm_draft_then_the_answer(api):
    response = post(api, mode="llm", stream=True)
    events = [line.removeprefix("data: ") for line in response.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    items = [json.loads(event) for event in events[:-1]]
    assert "".join(item["draft"] for item in items[:-1]) == LLM_DRAFT
    assert items[-1]["answer"]["answerer"] == "llm" and items[-1]["answer"]["citations"]


def test_bad_requests_are_400_with_the_reason(api):
    for body, param in (({"question": ""}, None), ({"top_k": 0}, "top_k"), ({"history": "x"}, "history"),
                        ({"question": 5}, "question"), ({"mode": "fast"}, "mode")):
        response = post(api, **body)
        assert response.status_code == 400, body
        assert response.json()["error"]["param"] == param and response.json()["error"]["message"]


def test_a_base_outside_the_key_is_403_whether_or_not_it_exists(api):
    for kb in (KB, "其他库", "没有这个库"):
        response = post(api, key="reader" if kb != KB else "outsider", kb=kb)
        assert response.status_code == 403 and response.json()["error"]["code"] == "kb_forbidden"
    assert post(api, kb="没有这个库", key="reader").json()["error"]["message"] == "此密钥无权使用知识库「没有这个库」。"
