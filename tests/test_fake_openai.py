"""The fake OpenAI server, driven by the real ``openai`` client: each fault reaches the client as intended."""

from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlsplit

import openai
import pytest

from .fake_openai import CONTEXT_MESSAGE, FakeOpenAI

ANSWER = "2023年，建成标准化厂房37.9万平方米，已使用29.9万平方米[1]。"
MESSAGES = [{"role": "user", "content": "临汾标准化厂房建了多少？"}]


def client(fake: FakeOpenAI, timeout: float = 2.0, max_retries: int = 0):
    return openai.OpenAI(base_url=fake.base_url, api_key="test", max_retries=max_retries, timeout=timeout)


def ask(fake: FakeOpenAI, **options) -> str | None:
    completion = client(fake, **options).chat.completions.create(model="qwen2.5-1.5b", messages=MESSAGES)
    return completion.choices[0].message.content


def stream(fake: FakeOpenAI, **options) -> list:
    return list(client(fake, **options).chat.completions.create(model="qwen2.5-1.5b", messages=MESSAGES, stream=True))


def streamed_text(chunks: list) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def test_ok_answers_and_records_the_request():
    with FakeOpenAI(content=ANSWER) as fake:
        assert fake.base_url.startswith("http://127.0.0.1:") and fake.base_url.endswith("/v1")
        completion = client(fake).chat.completions.create(model="qwen2.5-1.5b", messages=MESSAGES, temperature=0)
        assert completion.choices[0].message.content == ANSWER
        assert completion.choices[0].finish_reason == "stop"
        assert completion.usage.completion_tokens == len(ANSWER)
        assert fake.requests == [{"model": "qwen2.5-1.5b", "messages": MESSAGES, "temperature": 0}]


def test_ok_streams_deltas_then_done():
    with FakeOpenAI(content=ANSWER, chunk_chars=4) as fake:
        chunks = stream(fake)
        assert streamed_text(chunks) == ANSWER
        assert len(chunks) == 2 + len(range(0, len(ANSWER), 4))  # role, pieces, finish
        assert chunks[-1].choices[0].finish_reason == "stop"
        assert fake.requests[0]["stream"] is True


def raw_post(fake: FakeOpenAI, body: dict) -> tuple[int, dict[str, str], bytes]:
    address = urlsplit(fake.base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=2)
    try:
        connection.request("POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_stream_wire_format_ends_with_done():
    with FakeOpenAI(content="建成37.9万平方米", chunk_chars=8) as fake:
        status, headers, body = raw_post(fake, {"model": "m", "messages": MESSAGES, "stream": True})
        assert status == 200 and headers["Content-Type"].startswith("text/event-stream")
        events = body.decode().split("\n\n")
        assert events[-2:] == ["data: [DONE]", ""]
        chunks = [json.loads(event.removeprefix("data: ")) for event in events[:-2]]
        assert [c["choices"][0]["delta"].get("content") for c in chunks] == ["", "建成37.9万平", "方米", None]
        assert {c["object"] for c in chunks} == {"chat.completion.chunk"}


def test_stream_usage_chunk_when_asked():
    with FakeOpenAI(content=ANSWER) as fake:
        chunks = list(
            client(fake).chat.completions.create(
                model="m", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
            )
        )
        assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == len(ANSWER)
        assert streamed_text(chunks) == ANSWER


def test_models_lists_the_model():
    with FakeOpenAI(mode="server_error") as fake:
        assert [model.id for model in client(fake).models.list()] == ["fake-model"]


def test_empty_content():
    with FakeOpenAI(mode="empty") as fake:
        assert ask(fake) == ""
        assert streamed_text(stream(fake)) == ""


@pytest.mark.parametrize("streaming", [False, True])
def test_slow_times_out_the_client(streaming):
    with FakeOpenAI(mode="slow", delay=5) as fake:
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            stream(fake, timeout=0.3) if streaming else ask(fake, timeout=0.3)
        assert time.monotonic() - started < 2


def test_slow_within_the_timeout_answers():
    with FakeOpenAI(mode="slow", delay=0.2, content=ANSWER) as fake:
        assert ask(fake, timeout=3) == ANSWER


@pytest.mark.parametrize("streaming", [False, True])
def test_rate_limit_then_ok(streaming):
    with FakeOpenAI(mode="rate_limit_then_ok", failures=2, retry_after=7, content=ANSWER) as fake:
        for _ in range(2):
            with pytest.raises(openai.RateLimitError) as caught:
                stream(fake) if streaming else ask(fake)
            assert caught.value.status_code == 429
            assert caught.value.code == "rate_limit_exceeded"
            assert caught.value.response.headers["retry-after"] == "7"
        assert (streamed_text(stream(fake)) if streaming else ask(fake)) == ANSWER


def test_client_retries_honour_retry_after():
    with FakeOpenAI(mode="rate_limit_then_ok", failures=2, retry_after=0.1, content=ANSWER) as fake:
        assert ask(fake, max_retries=2) == ANSWER
        assert len(fake.requests) == 3


@pytest.mark.parametrize("streaming", [False, True])
def test_server_error_always(streaming):
    with FakeOpenAI(mode="server_error") as fake:
        for _ in range(2):
            with pytest.raises(openai.InternalServerError) as caught:
                stream(fake) if streaming else ask(fake)
            assert caught.value.status_code == 500


def test_server_error_then_ok():
    with FakeOpenAI(mode="server_error_then_ok", content=ANSWER) as fake:
        with pytest.raises(openai.InternalServerError):
            ask(fake)
        assert ask(fake) == ANSWER
        fake.set_mode("server_error_then_ok", failures=1)  # the count starts again
        with pytest.raises(openai.InternalServerError):
            stream(fake)
        assert streamed_text(stream(fake)) == ANSWER


@pytest.mark.parametrize("streaming", [False, True])
def test_malformed_body_is_not_json(streaming):
    with FakeOpenAI(mode="malformed") as fake, pytest.raises(ValueError):  # json.JSONDecodeError, not openai's
        stream(fake) if streaming else ask(fake)


def test_missing_choices():
    with FakeOpenAI(mode="no_choices") as fake:
        completion = client(fake).chat.completions.create(model="m", messages=MESSAGES)
        assert completion.choices is None
        chunks = stream(fake)
        assert chunks and all(chunk.choices is None for chunk in chunks)


def test_cut_stream_raises_after_the_first_chunks():
    with FakeOpenAI(mode="cut_stream", content=ANSWER, chunk_chars=3, cut_after=2) as fake:
        received = []
        with pytest.raises(openai.APIConnectionError):
            for chunk in client(fake).chat.completions.create(model="m", messages=MESSAGES, stream=True):
                received.append(chunk.choices[0].delta.content)
        assert received == ["", ANSWER[:3], ANSWER[3:6]]
        with pytest.raises(openai.APIConnectionError):
            ask(fake)


@pytest.mark.parametrize("streaming", [False, True])
def test_context_overflow(streaming):
    with FakeOpenAI(mode="context_overflow") as fake:
        with pytest.raises(openai.BadRequestError) as caught:
            stream(fake) if streaming else ask(fake)
        assert caught.value.status_code == 400
        assert caught.value.code == "context_length_exceeded"
        assert caught.value.body["message"] == CONTEXT_MESSAGE
        assert "maximum context length is 4096 tokens" in caught.value.message


def test_modes_switch_between_requests():
    with FakeOpenAI(content=ANSWER) as fake:
        assert ask(fake) == ANSWER
        fake.set_mode("context_overflow")
        with pytest.raises(openai.BadRequestError):
            ask(fake)
        fake.set_mode("ok", content="资料中没有提及。")
        assert ask(fake) == "资料中没有提及。"
        assert len(fake.requests) == 3
        with pytest.raises(ValueError):
            fake.set_mode("flaky")
        with pytest.raises(TypeError):
            fake.set_mode("ok", contents="typo")


def test_unknown_path_is_404():
    with FakeOpenAI() as fake, pytest.raises(openai.NotFoundError):
        client(fake).embeddings.create(model="m", input="x")


def test_stalled_takes_the_request_and_never_answers():
    with FakeOpenAI(mode="stalled") as fake:
        started = time.monotonic()
        for streaming in (False, True):
            with pytest.raises(openai.APITimeoutError):
                stream(fake, timeout=0.3) if streaming else ask(fake, timeout=0.3)
        assert time.monotonic() - started < 2 and len(fake.requests) == 2


def test_trickle_streams_a_piece_every_delay():
    with FakeOpenAI(mode="trickle", delay=0.2, content="一二三四五六", chunk_chars=2) as fake:
        arrivals = []
        started = time.monotonic()
        for chunk in client(fake).chat.completions.create(model="m", messages=MESSAGES, stream=True):
            if chunk.choices and chunk.choices[0].delta.content:
                arrivals.append((chunk.choices[0].delta.content, time.monotonic() - started))
        assert [text for text, _ in arrivals] == ["一二", "三四", "五六"]
        assert arrivals[-1][1] - arrivals[0][1] >= 0.35  # two pauses of 0.2 s between the three pieces


def test_trickle_sends_a_plain_body_a_few_bytes_at_a_time_outlasting_a_read_timeout():
    with FakeOpenAI(mode="trickle", delay=0.05, chunk_chars=40, content=ANSWER) as fake:
        started = time.monotonic()
        assert ask(fake, timeout=0.3) == ANSWER  # the timeout bounds each read, not the whole body
        assert time.monotonic() - started > 0.3


def test_stalled_stream_sends_its_first_chunks_then_falls_silent():
    with FakeOpenAI(mode="stalled_stream", content=ANSWER, chunk_chars=3, cut_after=2) as fake:
        received = []
        with pytest.raises(openai.APITimeoutError):
            for chunk in client(fake, timeout=0.5).chat.completions.create(model="m", messages=MESSAGES, stream=True):
                received.append(chunk.choices[0].delta.content)
        assert received == ["", ANSWER[:3], ANSWER[3:6]]
        with pytest.raises(openai.APITimeoutError):
            ask(fake, timeout=0.5)  # half the body, then silence


@pytest.mark.parametrize(
    ("streaming", "garbage", "garbage_type", "content_type"),
    [
        (False, b"<html>login</html>", "text/html", "text/html"),
        (False, b"[1, 2]", None, "application/json"),
        (True, b"data: [1, 2]\n\n", None, "text/event-stream"),
    ],
)
def test_garbage_is_served_as_given(streaming, garbage, garbage_type, content_type):
    with FakeOpenAI(mode="garbage", garbage=garbage, garbage_type=garbage_type) as fake:
        status, headers, body = raw_post(fake, {"model": "m", "messages": MESSAGES, "stream": streaming})
        assert (status, headers["Content-Type"], body) == (200, content_type, garbage)


def test_then_serves_another_mode_after_the_first_requests():
    with FakeOpenAI(mode="server_error", failures=1, then="ok", content=ANSWER) as fake:
        with pytest.raises(openai.InternalServerError):
            ask(fake)
        assert ask(fake) == ANSWER
        with pytest.raises(ValueError):
            fake.set_mode("ok", then="flaky")


@pytest.mark.parametrize(("mode", "delay"), [("slow", 30), ("stalled", 0), ("trickle", 30), ("stalled_stream", 0)])
def test_stops_at_exit_even_with_a_request_in_flight(mode, delay):
    fake = FakeOpenAI(mode=mode, delay=delay)
    failures: list[Exception] = []

    def waiting() -> None:
        try:
            ask(fake, timeout=30)
        except Exception as error:  # noqa: BLE001 - recorded for the assertion below
            failures.append(error)

    with fake:
        base_url = fake.base_url
        worker = threading.Thread(target=waiting, daemon=True)
        worker.start()
        while not fake.requests:
            time.sleep(0.01)
        started = time.monotonic()
    assert time.monotonic() - started < 2
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert [type(error) for error in failures] == [openai.APIConnectionError]  # hung up without an answer
    gone = openai.OpenAI(base_url=base_url, api_key="test", max_retries=0, timeout=1)
    with pytest.raises(openai.APIConnectionError):
        gone.models.list()
