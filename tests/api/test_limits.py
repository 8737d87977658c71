"""Which body limit applies to which request."""

from __future__ import annotations

from policy_qa.api.limits import MAX_JSON_BYTES, MAX_UPLOAD_REQUEST_BYTES, limit_for
from policy_qa.index.corpus_admin import MAX_UPLOAD_BYTES


def test_uploads_may_carry_the_corpus_upload_limit_and_everything_else_is_text_sized():
    assert limit_for("POST", "/v1/documents") == limit_for("POST", "/v1/documents/") == MAX_UPLOAD_REQUEST_BYTES
    assert MAX_UPLOAD_REQUEST_BYTES > MAX_UPLOAD_BYTES
    assert limit_for("POST", "/v1/chat/completions") == limit_for("DELETE", "/v1/documents") == MAX_JSON_BYTES
