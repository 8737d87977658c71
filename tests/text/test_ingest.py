"""Reading the corpus folder: encodings, binary and undecodable files, file names, links, sizes, warnings."""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import os
from pathlib import Path

import opencc
import pytest

from policy_qa.errors import EmptyCorpusError, PolicyQAError, UnreadableFileError
from policy_qa.index.store import corpus_fingerprint
from policy_qa.text.ingest import corpus_files, read_corpus, read_document, unicode_name
from policy_qa.text.readers.plain import MAX_TEXT_BYTES, decode_bytes, usual_share
from policy_qa.text.repair import repair_text
from policy_qa.text.variants import fold_variants

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
TEXT = "2023 年，全市开发区“三个一批”项目开工率 93.4%。"
SIMPLIFIED = (CORPUS / "临汾晋城开发区2023年工作情况.txt").read_text(encoding="utf-8")[:600]
TRADITIONAL = opencc.OpenCC("s2tw").convert(SIMPLIFIED)
SHORT = "关于加快开发区高质量发展的通知\n各县（市、区）人民政府，市直各有关单位：\n"
SHORT_TRADITIONAL = opencc.OpenCC("s2tw").convert(SHORT)
GB_NAME = b"\xd0\xc3\xd6\xdd.txt"  # 「忻州.txt」 in GB18030, as a zip made on Chinese Windows unpacks on Linux


# How a file is written (BOM, codec) and the encoding it must be read as; Big5 only for traditional text.
WRITTEN = {
    "utf-8": (b"", "utf-8", "utf-8"),
    "utf-8-bom": (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    "utf-16-le-bom": (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    "utf-16-be-bom": (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
    "utf-16-le": (b"", "utf-16-le", "utf-16-le"),
    "utf-16-be": (b"", "utf-16-be", "utf-16-be"),
    "gb18030": (b"", "gb18030", "gb18030"),
    "gbk": (b"", "gbk", "gb18030"),
    "big5": (b"", "big5", "big5"),
}
TEXTS = {"simplified": SIMPLIFIED, "traditional": TRADITIONAL, "short": SHORT, "short-traditional": SHORT_TRADITIONAL}


@pytest.mark.parametrize(
    ("text", "written"),
    [
        pytest.param(TEXTS[label], written, id=f"{label}-{written}")
        for label in TEXTS
        for written in WRITTEN
        if written != ("gbk" if "traditional" in label else "big5")
    ],
)
def test_every_encoding_decodes_to_the_exact_text(text, written):
    bom, codec, encoding = WRITTEN[written]
    assert decode_bytes(bom + text.encode(codec)) == (text, encoding)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        ("本縣碁盤路段自三月起施工，請用路人改道。".encode("cp950"), "cp950"),  # 碁: one of Microsoft's additions to Big5
    ],
)
def test_decode_bytes(data, encoding):
    assert decode_bytes(data)[1] == encoding


def test_big5_is_not_read_as_gb18030():
    data = TRADITIONAL.encode("big5")
    assert usual_share(data.decode("gb18030")) < 0.8 <= usual_share(TRADITIONAL)
    assert decode_bytes(data) == (TRADITIONAL, "big5")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # NUL bytes
        bytes(range(1, 32)) * 4 + b"text",  # mostly control characters
        "正文".encode() + b"\x01\x02\x03\x04\x05\x06",
        b"\xef\xbb\xbf\x00\x00\x00\x00",  # a UTF-8 BOM before NULs
    ],
)
def test_binary_data_is_rejected(data):
    with pytest.raises(UnreadableFileError, match="二进制数据"):
        decode_bytes(data)


@pytest.mark.parametrize(
    "data",
    [
        b"abc\xff",
        b"\x81\x20abc",
        "正文".encode()[:-1] + b"\xff",
        bytes(range(0x80, 0x100)) * 3,  # every high byte: decodes as nothing plausible
        "résumé, naïve café".encode("cp1252"),  # Latin-1 letters would read as rare Chinese characters
    ],
)
def test_undecodable_data_is_rejected(data):
    with pytest.raises(UnreadableFileError, match="无法识别编码"):
        decode_bytes(data)


def test_a_bom_that_lies_is_named():
    with pytest.raises(UnreadableFileError, match="UTF-16 的 BOM"):
        decode_bytes(b"\xff\xfe\x00\xd8")  # UTF-16 BOM then a lone surrogate


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


def test_traditional_text_stays_traditional(tmp_path):
    path = tmp_path / "繁體.txt"
    path.write_bytes(TRADITIONAL.encode("big5"))
    document = read_document(path, "繁體.txt")
    assert document.encoding == "big5" and document.written == repair_text(TRADITIONAL)[0]
    assert document.text == fold_variants(document.written) != document.written  # matched as simplified


def test_read_corpus_skips_a_bad_file_and_reads_the_rest(tmp_path, caplog):
    (tmp_path / "b_gbk.txt").write_text("今年以来，全县经济平稳运行。", encoding="gbk")
    (tmp_path / "a_utf8.txt").write_text("今年以来，全市经济平稳增长。", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.md").write_text("# 说明\n\n内容。", encoding="utf-8")
    (tmp_path / "broken.txt").write_bytes(b"\x00\x01binary\x00")
    (tmp_path / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "truncated.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / "ignored.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("隐藏文件。", encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="policy_qa.text.ingest"):
        documents, warnings = read_corpus(tmp_path)

    assert [d.name for d in documents] == ["a_utf8.txt", "b_gbk.txt", "sub/notes.md"]
    assert [d.encoding for d in documents] == ["utf-8", "gb18030", "utf-8"]
    assert documents[1].text == "今年以来，全县经济平稳运行。"
    assert warnings == [
        "跳过「broken.txt」：是二进制数据（含 NUL 字节）",
        "跳过「empty.txt」：没有文字",
        "跳过「truncated.pdf」：不是有效的 PDF 文件，或文件已损坏",
    ]
    assert [r.getMessage() for r in caplog.records if r.name == "policy_qa.text.ingest"] == warnings


def test_an_undecodable_file_is_skipped_by_name(tmp_path):
    (tmp_path / "good.txt").write_text(SHORT, encoding="utf-8")
    (tmp_path / "乱码.txt").write_bytes(bytes(range(0x80, 0x100)) * 3)
    documents, warnings = read_corpus(tmp_path)
    assert [d.name for d in documents] == ["good.txt"]
    assert warnings == ["跳过「乱码.txt」：无法识别编码（不是 UTF-8、UTF-16、GB18030 或 Big5 文本）"]


def test_read_corpus_on_the_real_corpus():
    documents, warnings = read_corpus(CORPUS)
    assert warnings == []
    assert [d.name for d in documents] == ["临汾晋城开发区2023年工作情况.txt"]
    assert documents[0].encoding == "utf-8"
    assert documents[0].text.startswith("2023年，临汾市坚持")


def test_empty_folder_raises(tmp_path):
    with pytest.raises(EmptyCorpusError, match="没有可读的文件"):
        read_corpus(tmp_path)


def test_missing_folder_raises(tmp_path):
    with pytest.raises(EmptyCorpusError, match="不存在"):
        read_corpus(tmp_path / "nope")


def test_a_file_given_as_the_corpus_is_named_as_a_file(tmp_path):
    path = tmp_path / "公报.txt"
    path.write_text(SHORT, encoding="utf-8")
    with pytest.raises(EmptyCorpusError, match="「.*公报.txt」是一个文件，不是文件夹"):
        read_corpus(path)


def test_a_path_through_a_file_cannot_be_accessed(tmp_path):
    (tmp_path / "公报.txt").write_text(SHORT, encoding="utf-8")
    with pytest.raises(EmptyCorpusError, match="无法访问语料文件夹"):
        read_corpus(tmp_path / "公报.txt" / "sub")


def test_a_file_that_cannot_be_looked_at_is_skipped_by_name(tmp_path, monkeypatch):
    (tmp_path / "good.txt").write_text(SHORT, encoding="utf-8")
    (tmp_path / "locked.txt").write_text(SHORT, encoding="utf-8")
    is_file = Path.is_file

    def denied(path: Path) -> bool:
        if path.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return is_file(path)

    monkeypatch.setattr(Path, "is_file", denied)
    documents, warnings = read_corpus(tmp_path)
    assert [d.name for d in documents] == ["good.txt"]
    assert warnings == ["跳过「locked.txt」：无法读取（Permission denied）"]


def test_folder_of_unreadable_files_raises(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00\xd8")  # UTF-16 BOM then a lone surrogate
    with pytest.raises(EmptyCorpusError, match="跳过了 1 个"):
        read_corpus(tmp_path)


# File names


@pytest.mark.parametrize(
    ("raw", "name"),
    [(b"a.txt", "a.txt"), ("忻州.txt".encode(), "忻州.txt"), (GB_NAME, "忻州.txt"), (b"\xff\x80.txt", "\ufffd\ufffd.txt")],
)
def test_unicode_name(raw, name):
    assert unicode_name(raw) == name


def test_a_gb18030_file_name_reads_as_chinese(tmp_path):
    (tmp_path / os.fsdecode(GB_NAME)).write_text(SHORT, encoding="utf-8")
    (tmp_path / os.fsdecode(b"\xb9\xab\xb1\xa8")).mkdir()  # 「公报」
    (tmp_path / os.fsdecode(b"\xb9\xab\xb1\xa8") / "a.txt").write_text(SHORT, encoding="utf-8")
    documents, warnings = read_corpus(tmp_path)
    assert [d.name for d in documents] == ["公报/a.txt", "忻州.txt"] and warnings == []
    assert documents[1].text == repair_text(SHORT)[0]
    corpus_fingerprint([(d.name, d.fingerprint) for d in documents])  # hashes every name as UTF-8
    json.dumps([d.name for d in documents], ensure_ascii=False).encode("utf-8")


def test_names_that_read_alike_stay_apart(tmp_path):
    (tmp_path / "忻州.txt").write_text("第一份。", encoding="utf-8")
    (tmp_path / os.fsdecode(GB_NAME)).write_text("第二份。", encoding="utf-8")
    undecodable = (b"\xff1.txt", b"\xfe1.txt")  # both read 「�1.txt」
    for raw in undecodable:
        (tmp_path / os.fsdecode(raw)).write_text("第三份。", encoding="utf-8")
    files, _ = corpus_files(tmp_path)
    digest = [hashlib.sha256(raw).hexdigest()[:8] for raw in (GB_NAME, *undecodable)]
    expected = ["忻州.txt", f"忻州~{digest[0]}.txt", f"\ufffd1~{digest[1]}.txt", f"\ufffd1~{digest[2]}.txt"]
    assert sorted(name for _, name in files) == sorted(expected)
    assert {name: path.read_text(encoding="utf-8") for path, name in files}[expected[1]] == "第二份。"


# Links


def test_a_link_out_of_the_corpus_is_skipped(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("外面的文件。", encoding="utf-8")
    (outside / "more.txt").write_text("外面的文件。", encoding="utf-8")
    (corpus / "good.txt").write_text(SHORT, encoding="utf-8")
    (corpus / "passwd.txt").symlink_to(outside / "secret.txt")
    (corpus / "hop.txt").symlink_to(corpus / "passwd.txt")  # inside, but ends outside
    (corpus / "alias.txt").symlink_to("good.txt")
    (corpus / "shelf").symlink_to(outside, target_is_directory=True)
    (corpus / "same").symlink_to(corpus, target_is_directory=True)  # inside: not followed, no warning
    documents, warnings = read_corpus(corpus)
    assert [d.name for d in documents] == ["alias.txt", "good.txt"]
    assert sorted(warnings) == sorted(
        f"跳过「{name}」：是指向语料文件夹之外的链接" for name in ("hop.txt", "passwd.txt", "shelf")
    )


def test_a_corpus_reached_through_a_link_reads_its_links(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "good.txt").write_text(SHORT, encoding="utf-8")
    (tmp_path / "real" / "alias.txt").symlink_to(tmp_path / "real" / "good.txt")
    (tmp_path / "corpus").symlink_to(tmp_path / "real", target_is_directory=True)
    documents, warnings = read_corpus(tmp_path / "corpus")
    assert [d.name for d in documents] == ["alias.txt", "good.txt"] and warnings == []


# Sizes


def test_a_file_over_the_cap_is_skipped_with_its_size(tmp_path):
    (tmp_path / "good.txt").write_text(SHORT, encoding="utf-8")
    with (tmp_path / "huge.txt").open("wb") as huge:
        huge.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written
    documents, warnings = read_corpus(tmp_path)
    assert [d.name for d in documents] == ["good.txt"]
    assert warnings == [f"跳过「huge.txt」：有 50.0 MB，超过 {MAX_TEXT_BYTES // 1024 // 1024} MB 的上限"]


def test_one_enormous_line_is_read(tmp_path):
    line = (SIMPLIFIED.replace("\n", "") * (200_000 // len(SIMPLIFIED) + 1))[:200_000]
    (tmp_path / "line.txt").write_text(line, encoding="utf-8")
    (document,), _ = read_corpus(tmp_path)
    assert document.text == repair_text(line)[0] and document.line_runs == ((0, 1),)
