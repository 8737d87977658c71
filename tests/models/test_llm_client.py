"""The OpenAI-protocol client against a real loopback HTTP server that misbehaves on purpose."""

import threading
import time

import pytest

from policy_qa.models import llm_client
from policy_qa.models.llm_client import (
    LOCAL_DEADLINES_S,
    REMOTE_DEADLINES_S,
    ChatClient,
    LLMError,
    LLMSettings,
)

from ..fake_openai import FakeOpenAI

MESSAGES = [{"role": "user", "content": "问题"}]
# Slack over a deadline for a loaded machine: far less than another try would take.
SLACK_S = 1.0


def _client(fake, **settings):
    values = {"timeout_s": 2.0, "max_retries": 0, **settings}
    return ChatClient(fake.base_url, "fake-model", LLMSettings(base_url=fake.base_url, model="fake-model", **values))


def _call(client, streaming, received=None):
    """The answer, whole or streamed (its deltas appended to ``received`` as they come)."""
    if not streaming:
        return client.complete(MESSAGES)
    received = [] if received is None else received
    for delta in client.stream(MESSAGES):
        received.append(delta)
    return "".join(received)


def _fails_within(seconds, call, message):
    """``call()`` raises ``LLMError`` matching ``message`` within ``seconds`` (plus slack; 0: at once)."""
    started = time.monotonic()
    with pytest.raises(LLMError, match=message):
        call()
    assert time.monotonic() - started < seconds + SLACK_S


def _calls_left_behind_end():
    for thread in threading.enumerate():
        if thread.name == "policy-qa-llm":
            thread.join(timeout=5)
            assert not thread.is_alive(), "a call past its deadline must end by itself"


def test_complete_and_stream_return_the_text():
    with FakeOpenAI(content="建成37.9万平方米[1]。") as fake:
        client = _client(fake)
        assert client.complete(MESSAGES) == "建成37.9万平方米[1]。"
        assert "".join(client.stream(MESSAGES)) == "建成37.9万平方米[1]。"
        assert fake.requests[0]["model"] == "fake-model" and fake.requests[0]["temperature"] == 0


def test_rate_limit_and_server_errors_are_retried_with_backoff():
    with FakeOpenAI(mode="rate_limit_then_ok", failures=1, retry_after=0.1, content="好") as fake:
        assert _client(fake, max_retries=2).complete(MESSAGES) == "好"
        assert len(fake.requests) == 2
        fake.set_mode("server_error_then_ok", failures=1)
        assert _client(fake, max_retries=2).complete(MESSAGES) == "好"


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("server_error", "HTTP 500"),
        ("empty", "空回答"),
        ("malformed", "无法解析"),
        ("no_choices", "无法解析"),
        ("context_overflow", "上下文长度"),
    ],
)
def test_faults_become_clear_llm_errors(mode, message):
    with FakeOpenAI(mode=mode) as fake:
        with pytest.raises(LLMError, match=message):
            _client(fake).complete(MESSAGES)


def test_timeout_is_bounded():
    with FakeOpenAI(mode="slow", delay=5) as fake:
        with pytest.raises(LLMError, match="超时"):
            _client(fake, timeout_s=0.5).complete(MESSAGES)


def test_cut_stream_raises_after_the_text_received():
    with FakeOpenAI(mode="cut_stream", cut_after=2, chunk_chars=2, content="一二三四五六七八") as fake:
        received = []
        with pytest.raises(LLMError):
            for delta in _client(fake).stream(MESSAGES):
                received.append(delta)
        assert "".join(received) == "一二三四"


def test_endpoint_down_is_an_llm_error():
    with FakeOpenAI() as fake:
        url = fake.base_url
    client = ChatClient(url, "m", LLMSettings(base_url=url, timeout_s=1, max_retries=0))
    with pytest.raises(LLMError, match="无法连接"):
        client.complete(MESSAGES)


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("POLICY_QA_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("POLICY_QA_LLM_MODEL", "qwen-plus")
    monkeypatch.setenv("POLICY_QA_LLM_TIMEOUT", "70")
    monkeypatch.setenv("POLICY_QA_LLM_FIRST_TOKEN_TIMEOUT", "20")
    settings = LLMSettings.from_env(model="deepseek-chat")
    assert (settings.base_url, settings.model, settings.is_local) == ("http://127.0.0.1:9/v1", "deepseek-chat", False)
    assert (settings.timeout_s, settings.first_token_s, settings.deadlines_s) == (70.0, 20.0, (20.0, 70.0))
    assert LLMSettings.from_env(timeout_s=5).deadlines_s == (5.0, 5.0), "--llm-timeout bounds the first token too"
    monkeypatch.delenv("POLICY_QA_LLM_BASE_URL")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert LLMSettings.from_env().is_local


def test_deadlines_default_by_kind_of_endpoint():
    assert LLMSettings(base_url="https://api.deepseek.com/v1").deadlines_s == REMOTE_DEADLINES_S == (10.0, 60.0)
    assert LLMSettings().deadlines_s == LOCAL_DEADLINES_S
    assert LLMSettings(timeout_s=7).deadlines_s == (7.0, 7.0)
    assert LLMSettings(base_url="http://x/v1", first_token_s=3).deadlines_s == (3.0, 60.0)


@pytest.mark.parametrize("streaming", [False, True])
def test_stalled_endpoint_fails_by_the_first_token_deadline_whatever_the_retries(streaming):
    with FakeOpenAI(mode="stalled") as fake:
        client = _client(fake, first_token_s=1.0, timeout_s=30.0, max_retries=2)
        _fails_within(1.0, lambda: _call(client, streaming), "响应超时：1 秒内没有回复")
        assert len(fake.requests) == 1, "a try that used up the time left is not tried again"
    _calls_left_behind_end()


def test_after_a_stall_calls_fail_at_once_for_a_while_then_are_tried_again(monkeypatch):
    monkeypatch.setattr(llm_client, "STALLED_PAUSE_S", 2.0)
    with FakeOpenAI(mode="stalled", failures=1, then="ok", content="答案") as fake:
        client = _client(fake, first_token_s=1.0, timeout_s=30.0)
        _fails_within(1.0, lambda: client.complete(MESSAGES), "1 秒内没有回复")
        for streaming in (False, True):  # a follow-up's rewrite, then its answer: no second wait
            _fails_within(0.0, lambda: _call(client, streaming), "这次不再等待")
        assert len(fake.requests) == 1
        time.sleep(2.0)
        assert client.complete(MESSAGES) == "答案" and len(fake.requests) == 2
    _calls_left_behind_end()


def test_trickling_stream_is_cut_at_the_whole_deadline():
    content = "一二三四五六七八九十" * 3  # a piece every 0.3 s: 9 s in all
    with FakeOpenAI(mode="trickle", delay=0.3, chunk_chars=1, content=content) as fake:
        received = []
        client = _client(fake, first_token_s=1.0, timeout_s=1.5)
        _fails_within(1.5, lambda: _call(client, True, received), "回答超时：1.5 秒内没有写完")
        assert received and "".join(received) == content[: len(received)]
    _calls_left_behind_end()


def test_trickling_unstreamed_reply_must_come_by_the_first_token_deadline():
    with FakeOpenAI(mode="trickle", delay=0.2, chunk_chars=20) as fake:  # its ~400 bytes would take 4 s
        client = _client(fake, first_token_s=1.0, timeout_s=30.0)
        _fails_within(1.0, lambda: client.complete(MESSAGES), "1 秒内没有回复")
    _calls_left_behind_end()


def test_stream_stalled_midway_is_cut_at_the_whole_deadline():
    content = "一二三四五六七八"
    with FakeOpenAI(mode="stalled_stream", delay=0.2, cut_after=3, chunk_chars=2, content=content) as fake:
        received = []
        client = _client(fake, first_token_s=1.0, timeout_s=1.2)
        _fails_within(1.2, lambda: _call(client, True, received), "1.2 秒内没有写完")
        assert "".join(received) == content[:6]
    _calls_left_behind_end()


def test_the_reason_for_a_cut_stream_is_asked_within_the_deadline():
    with FakeOpenAI(mode="cut_stream", cut_after=0, failures=1, then="stalled") as fake:
        client = _client(fake, first_token_s=1.0, timeout_s=30.0, max_retries=2)
        _fails_within(1.0, lambda: list(client.stream(MESSAGES)), "1 秒内没有回复")
        stream, reason = fake.requests
        assert stream["stream"] is True and reason["max_tokens"] == 1 and "stream" not in reason


def test_a_retry_after_past_the_deadline_is_not_waited_for():
    with FakeOpenAI(mode="rate_limit_then_ok", failures=5, retry_after=5) as fake:
        _fails_within(0.0, lambda: _client(fake, first_token_s=1.0, max_retries=2).complete(MESSAGES), "429")
        assert len(fake.requests) == 1


def test_retries_stop_at_the_first_token_deadline():
    with FakeOpenAI(mode="server_error") as fake:  # pauses of 0.5, 1, 2 … seconds: 10 retries would take minutes
        _fails_within(1.2, lambda: _client(fake, first_token_s=1.2, max_retries=10).complete(MESSAGES), "HTTP 500")
        assert 1 < len(fake.requests) < 4


GARBAGE = [
    pytest.param(b"<html><body>Please log in</body></html>", "text/html", "无法解析", id="html-page"),
    pytest.param(b'{"object": "list", "data": []}', None, "无法解析", id="json-not-a-completion"),
    pytest.param(b'{"choices": [{"message": {"content": 42}}]}', None, "无法解析", id="content-not-text"),
    pytest.param(b"\xff\xfe\x00junk", None, "无法解析", id="binary"),
    pytest.param(b'data: {"choices": [{"delta": "x"}]}\n\n', None, "无法解析", id="sse-delta-not-an-object"),
    pytest.param(b'data: {"choices": [{"delta": {"content": 5}}]}\n\n', None, "无法解析", id="sse-content-not-text"),
    pytest.param(b"data: [1, 2]\n\ndata: \xff\n\n", None, "无法解析", id="sse-not-chunks"),
    pytest.param(b'data: {"error": {"message": "overloaded"}}\n\n', None, "报告了错误", id="sse-error-event"),
]


@pytest.mark.parametrize("streaming", [False, True])
@pytest.mark.parametrize(("garbage", "garbage_type", "message"), GARBAGE)
def test_garbage_becomes_a_clear_llm_error(garbage, garbage_type, message, streaming):
    with FakeOpenAI(mode="garbage", garbage=garbage, garbage_type=garbage_type) as fake:
        _fails_within(0.0, lambda: _call(_client(fake), streaming), message if streaming else "无法解析")


def test_a_loopback_endpoint_is_reached_directly_despite_a_proxy_setting(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nothing answers there
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with FakeOpenAI(content="好") as fake:
        assert _client(fake).complete(MESSAGES) == "好"
