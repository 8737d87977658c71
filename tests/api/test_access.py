"""Who may do what: keys as Bearer tokens, open on loopback without keys, the server's own token for the CLI."""

from __future__ import annotations

import pytest

from policy_qa.api.access import Access, Caller
from policy_qa.api.errors import ApiError
from policy_qa.api.keys import KeyStore


def refused(call, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as raised:
        call(*args, **kwargs)
    return raised.value


def test_with_keys_every_request_needs_one(tmp_path):
    store = KeyStore(tmp_path / "keys.json")
    reader, writer = store.add("r", ["甲库"], write=False), store.add("w", ["甲库", "乙库"], write=True)
    access = Access(store, "local-token", open_without_keys=True)
    for header in (None, "", "Bearer", "Basic abc", f"Token {reader}", "Bearer pqa-wrong"):
        error = refused(access.caller, header)
        assert error.status == 401 and error.code == "invalid_api_key" and error.headers == {"WWW-Authenticate": "Bearer"}
    assert access.caller(f"Bearer {reader}") == Caller("r", frozenset({"甲库"}), write=False)
    assert access.caller(f"bearer  {writer} ").write
    assert access.caller("Bearer local-token") == Caller("本机命令行", None, write=False)


def test_without_keys_the_api_is_open_on_loopback_only(tmp_path):
    store = KeyStore(tmp_path / "none.json")
    assert Access(store, "t", open_without_keys=True).caller(None) == Caller("本机", None, write=True)
    closed = Access(store, "t", open_without_keys=False)
    assert refused(closed.caller, "Bearer anything").status == 401
    assert closed.caller("Bearer t").kbs is None


def test_a_caller_may_use_only_its_bases_and_change_them_only_with_a_write_key():
    reader = Caller("r", frozenset({"甲库"}), write=False)
    reader.check("甲库")
    assert refused(reader.check, "乙库").status == 403
    error = refused(reader.check, "甲库", write=True)
    assert (error.status, error.code, error.type) == (403, "read_only_key", "permission_error")
    Caller("all", None, write=True).check("任何库", write=True)


def test_a_corrupt_keys_file_refuses_everyone(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text("not json", encoding="utf-8")
    assert refused(Access(KeyStore(path), "t", open_without_keys=True).caller, None).status == 500
