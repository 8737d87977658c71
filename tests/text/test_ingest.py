"""Decoding and reading the corpus folder: encodings, binary and undecodable files, warnings, empty corpora."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest

from policy_qa.errors import EmptyCorpusError, PolicyQAError, UnreadableFileError
from policy_qa.text.ingest import decode_bytes, read_corpus, read_document

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
TEXT = "2023 年，全市开发区“三个一批”项目开工率 93.4%。"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),
    ],
)
def test_decode_bytes(data, encoding):
    assert decode_bytes(data) == (TEXT, encoding)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # NUL bytes
        bytes(range(1, 32)) * 4 + b"text",  # mostly control characters
        "正文".encode("utf-8") + b"\x01\x02\x03\x04\x05\x06",
    ],
)
def test_binary_data_is_rejected(data):
    with pytest.raises(UnreadableFileError, match="binary"):
        decode_bytes(data)


@pytest.mark.parametrize("data", [b"abc\xff", b"\x81\x20abc", "正文".encode("utf-8")[:-1] + b"\xff"])
def test_undecodable_data_is_rejected(data):
    with pytest.raises(UnreadableFileError, match="not decodable"):
        decode_bytes(data)


def test_errors_share_a_base():
    assert issubclass(UnreadableFileError, PolicyQAError) and issubclass(EmptyCorpusError, PolicyQAError)


def test_read_document_repairs_and_fingerprints(tmp_path):
    path = tmp_path / "甲.txt"
    path.write_text("2023 年，全市开发\n区建设提速。\n", encoding="gbk")
    document = read_document(path, "甲.txt")
    assert document.text == "2023年，全市开发区建设提速。"
    assert document.encoding == "gb18030"
    assert document.fingerprint == hashlib.sha256(path.read_bytes()).hexdigest()
    assert document.line_of(document.text.index("建设")) == 2


def test_read_corpus_skips_a_bad_file_and_reads_the_rest(tmp_path, caplog):
    (tmp_path / "b_gbk.txt").write_text("今年以来，全县经济平稳运行。", encoding="gbk")
    (tmp_path / "a_utf8.txt").write_text("今年以来，全市经济平稳增长。", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.md").write_text("# 说明\n\n内容。", encoding="utf-8")
    (tmp_path / "broken.txt").write_bytes(b"\x00\x01binary\x00")
    (tmp_path / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("隐藏文件。", encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="policy_qa.text.ingest"):
        documents, warnings = read_corpus(tmp_path)

    assert [d.name for d in documents] == ["a_utf8.txt", "b_gbk.txt", "sub/notes.md"]
    assert [d.encoding for d in documents] == ["utf-8", "gb18030", "utf-8"]
    assert documents[1].text == "今年以来，全县经济平稳运行。"
    assert len(warnings) == 2
    assert "broken.txt" in warnings[0] and "binary" in warnings[0]
    assert "empty.txt" in warnings[1]
    assert [r.getMessage() for r in caplog.records if r.name == "policy_qa.text.ingest"] == warnings


def test_read_corpus_on_the_real_corpus():
    documents, warnings = read_corpus(CORPUS)
    assert warnings == []
    assert [d.name for d in documents] == ["临汾晋城开发区2023年工作情况.txt"]
    assert documents[0].encoding == "utf-8"
    assert documents[0].text.startswith("2023年，临汾市坚持")


def test_empty_folder_raises(tmp_path):
    with pytest.raises(EmptyCorpusError):
        read_corpus(tmp_path)


def test_missing_folder_raises(tmp_path):
    with pytest.raises(EmptyCorpusError, match="does not exist"):
        read_corpus(tmp_path / "nope")


def test_folder_of_unreadable_files_raises(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00\xd8")  # UTF-16 BOM then a lone surrogate
    with pytest.raises(EmptyCorpusError, match="1 skipped"):
        read_corpus(tmp_path)
