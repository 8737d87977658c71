"""Checking uploads and copying them into the corpus folder: names, encodings, bad files, odd corpus folders.

The engine-level upload tests (a batch refused as a whole, the index rebuilt) are in ``tests/test_engine_serving.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import opencc
import pytest

from policy_qa.errors import PolicyQAError, UnreadableFileError
from policy_qa.index.corpus_admin import UNCHANGED, check_uploads, copy_into
from policy_qa.text.ingest import read_corpus

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
TEXT = (CORPUS / "临汾晋城开发区2023年工作情况.txt").read_text(encoding="utf-8")[:600]
GB_NAME = b"\xd0\xc3\xd6\xdd.txt"  # 「忻州.txt」 in GB18030


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "已有.txt").write_text("今年以来，全市经济平稳增长。", encoding="utf-8")
    return folder


def _upload(tmp_path: Path, raw_name: bytes, data: bytes) -> Path:
    (tmp_path / "upload").mkdir(exist_ok=True)
    path = tmp_path / "upload" / os.fsdecode(raw_name)
    path.write_bytes(data)
    return path


def test_an_upload_named_in_gb18030_is_copied_in_under_its_chinese_name(tmp_path, corpus):
    uploads = check_uploads([_upload(tmp_path, GB_NAME, TEXT.encode("gbk"))], corpus)
    assert [u.name for u in uploads] == ["忻州.txt"]
    copy_into(uploads, corpus)
    documents, warnings = read_corpus(corpus)
    assert [d.name for d in documents] == ["已有.txt", "忻州.txt"] and warnings == []
    assert (corpus / "忻州.txt").read_bytes() == TEXT.encode("gbk")


def test_a_big5_upload_is_accepted(tmp_path, corpus):
    traditional = opencc.OpenCC("s2tw").convert(TEXT)
    (upload,) = check_uploads([_upload(tmp_path, "繁體.txt".encode(), traditional.encode("big5"))], corpus)
    assert upload.name == "繁體.txt" and upload.sections >= 1


def test_a_name_the_corpus_already_holds_in_other_bytes_is_refused(tmp_path, corpus):
    (corpus / os.fsdecode(GB_NAME)).write_text(TEXT, encoding="utf-8")
    with pytest.raises(PolicyQAError, match="已有同名文件「忻州.txt」"):
        check_uploads([_upload(tmp_path, "忻州.txt".encode(), TEXT.encode("utf-8") + "另一份。".encode())], corpus)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "是二进制数据（含 NUL 字节）"),
        (bytes(range(0x80, 0x100)) * 3, "无法识别编码（不是 UTF-8、UTF-16、GB18030 或 Big5 文本）"),
        (b"  \n\n", "没有文字"),
    ],
)
def test_an_unreadable_upload_is_refused_with_the_reason(tmp_path, corpus, data, reason):
    with pytest.raises(UnreadableFileError) as raised:
        check_uploads([_upload(tmp_path, "坏.txt".encode(), data)], corpus)
    assert str(raised.value) == f"「坏.txt」无法读取：{reason}。{UNCHANGED}"


def test_an_upload_that_is_not_a_regular_file_is_refused(tmp_path, corpus):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableFileError, match="「pipe.txt」不是普通文件"):
        check_uploads([fifo], corpus)


def test_odd_corpus_files_do_not_stop_an_upload(tmp_path, corpus):
    (tmp_path / "outside.txt").write_text(TEXT, encoding="utf-8")
    (corpus / "link.txt").symlink_to(tmp_path / "outside.txt")  # skipped by the corpus, so no twin
    with (corpus / "huge.txt").open("wb") as huge:
        huge.truncate(30 * 1024 * 1024)  # sparse; too big to be an upload's twin, so never read
    (corpus / os.fsdecode(b"\xff.txt")).write_bytes(b"\x00\x01")
    (upload,) = check_uploads([_upload(tmp_path, b"new.txt", TEXT.encode("utf-8"))], corpus)
    assert upload.name == "new.txt"


def test_a_copy_of_a_corpus_file_is_still_refused(tmp_path, corpus):
    (corpus / os.fsdecode(GB_NAME)).write_text(TEXT, encoding="utf-8")
    with pytest.raises(PolicyQAError, match="「copy.txt」与已有文件「忻州.txt」内容相同"):
        check_uploads([_upload(tmp_path, b"copy.txt", TEXT.encode("utf-8"))], corpus)
