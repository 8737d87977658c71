"""Hostile bodies against the real server: wrong types, huge messages, bad JSON, unknown models. Each gets a 4xx
with an OpenAI-style error object, never a 500."""

from __future__ import annotations

import json
import os

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_qa.api.errors import validation_error

from .conftest import KB, QUESTION

FUZZ_EXAMPLES = int(os.environ.get("POLICY_QA_FUZZ", "0")) or None
ROUTES = ["/chat/completions", "/ask"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
valid_chat = {"model": KB, "messages": [{"role": "user", "content": QUESTION}]}
valid_ask = {"question": QUESTION}


def is_error(response: httpx.Response) -> bool:
    body = response.json()
    return set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"} and bool(body["error"]["message"])


def post(open_api, route: str, content: bytes, client: httpx.Client) -> httpx.Response:
    return client.post(f"{open_api.v1}{route}", content=content, headers={"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=60) as client:
        yield client


@settings(max_examples=FUZZ_EXAMPLES or 150, deadline=None, suppress_health_check=list(HealthCheck))
@given(route=st.sampled_from(ROUTES), body=json_values)
def test_any_json_body_is_answered_or_refused_with_an_error_object(open_api, http, route, body):
    response = post(open_api, route, json.dumps(body).encode(), http)
    assert response.status_code < 500, response.text
    assert response.status_code == 200 or (400 <= response.status_code < 500 and is_error(response))


@settings(max_examples=FUZZ_EXAMPLES or 200, deadline=None, suppress_health_check=list(HealthCheck))
@given(route=st.sampled_from(ROUTES), field=st.sampled_from(["model", "messages", "stream", "stream_options", "n", "question",
                                                               "history", "top_k", "kb", "mode"]), value=json_values)
def test_any_value_in_any_field_of_a_valid_body_is_answered_or_refused_with_an_error_object(open_api, http, route, field, value):
    body = {**(valid_chat if route == ROUTES[0] else valid_ask), field: value}
    response = post(open_api, route, json.dumps(body).encode(), http)
    assert response.status_code < 500, response.text
    assert response.status_code == 200 or (400 <= response.status_code < 500 and is_error(response))


@settings(max_examples=FUZZ_EXAMPLES or 100, deadline=None, suppress_health_check=list(HealthCheck))
@given(route=st.sampled_from(ROUTES), text=st.text(max_size=40).filter(lambda t: not _is_json(t)))
def test_bad_json_is_a_400(open_api, http, route, text):
    response = post(open_api, route, text.encode("utf-8", "surrogatepass"), http)
    assert response.status_code == 400 and is_error(response)


@settings(max_examples=FUZZ_EXAMPLES or 60, deadline=None, suppress_health_check=list(HealthCheck))
@given(model=st.text(min_size=1, max_size=40).filter(lambda m: m.partition(":")[0] != KB))
def test_an_unknown_model_is_a_404(open_api, http, model):
    response = post(open_api, ROUTES[0], json.dumps({**valid_chat, "model": model}).encode(), http)
    assert response.status_code == 404 and response.json()["error"]["code"] == "model_not_found"


@pytest.mark.parametrize(
    ("size", "status"),
    [(501, 400), (10_000, 400), (300_000, 400), (3_000_000, 413)],
)
def test_huge_messages_are_refused_by_size(open_api, http, size, status):
    response = post(open_api, ROUTES[0], json.dumps({**valid_chat, "messages": [{"role": "user", "content": "问" * size}]}).encode(), http)
    assert response.status_code == status and is_error(response)
    history = [{"role": "user", "content": "问题"}] * 1000 + valid_chat["messages"]
    assert post(open_api, ROUTES[0], json.dumps({**valid_chat, "messages": history}).encode(), http).status_code == 400


def test_a_body_sent_without_its_length_is_cut_at_the_limit(open_api, http):
    def chunks():
        yield b'{"model": "' + KB.encode() + b'", "messages": [{"role": "user", "content": "'
        for _ in range(3000):
            yield b"x" * 1024
        yield b'"}]}'

    response = http.post(f"{open_api.v1}/chat/completions", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"


def test_unknown_addresses_and_methods_are_openai_errors_not_the_pages(open_api, http):
    assert http.get(f"{open_api.v1}/nothing").json()["error"]["code"] == "not_found"
    wrong_method = http.get(f"{open_api.v1}/chat/completions")
    assert wrong_method.status_code == 405 and is_error(wrong_method)


def test_the_validation_message_names_the_field():
    error = validation_error([{"type": "string_type", "loc": ("body", "messages", 0, "content"), "msg": "Input should be a valid string"}])
    assert error.status == 400 and error.param == "messages.0.content" and "messages.0.content" in error.message


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(("path", "declared"), [("/v1/documents", 200_000_000), ("/v1/ask", 3_000_000)])
def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(open_api, path, declared):
    import http.client
    from urllib.parse import urlsplit

    connection = http.client.HTTPConnection(urlsplit(open_api.url).netloc, timeout=30)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(declared))
    connection.endheaders()  # and no body
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert response.status == 413 and set(body["error"]) == {"message", "type", "param", "code"}
