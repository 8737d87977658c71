"""The OpenAI-protocol client against a real loopback HTTP server that misbehaves on purpose."""

import pytest

from policy_qa.models.llm_client import ChatClient, LLMError, LLMSettings

from ..fake_openai import FakeOpenAI

MESSAGES = [{"role": "user", "content": "问题"}]


def _client(fake, **settings):
    values = {"timeout_s": 2.0, "max_retries": 0, **settings}
    return ChatClient(fake.base_url, "fake-model", LLMSettings(base_url=fake.base_url, model="fake-model", **values))


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
    monkeypatch.setenv("POLICY_QA_LLM_TIMEOUT", "7")
    settings = LLMSettings.from_env(model="deepseek-chat")
    assert (settings.base_url, settings.model, settings.timeout_s, settings.is_local) == ("http://127.0.0.1:9/v1", "deepseek-chat", 7.0, False)
    monkeypatch.delenv("POLICY_QA_LLM_BASE_URL")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert LLMSettings.from_env().is_local


def test_a_loopback_endpoint_is_reached_directly_despite_a_proxy_setting(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nothing answers there
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with FakeOpenAI(content="好") as fake:
        assert _client(fake).complete(MESSAGES) == "好"
