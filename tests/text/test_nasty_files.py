"""Hostile corpus folders: whatever the files hold and however they are named, reading the corpus either returns
documents with valid Unicode names and texts or raises one of the package's errors, and skips each bad file with a
warning naming it."""

from __future__ import annotations

import codecs
import contextlib
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import opencc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_qa.errors import EmptyCorpusError, UnreadableFileError
from policy_qa.text.ingest import SUFFIXES, read_corpus
from policy_qa.text.repair import repair_text

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SIMPLIFIED = (CORPUS / "临汾晋城开发区2023年工作情况.txt").read_text(encoding="utf-8")[:400]
TRADITIONAL = opencc.OpenCC("s2tw").convert(SIMPLIFIED)
SECONDS_PER_CORPUS = 10

ENCODINGS = ["utf-8", "utf-16-le", "utf-16-be", "gb18030", "gbk", "big5", "cp950", "latin-1", "shift_jis", "euc-kr"]
BOMS = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE]

encoded_text = st.builds(
    lambda bom, text, encoding: bom + text.encode(encoding, errors="replace"),
    st.sampled_from(BOMS),
    st.one_of(st.text(max_size=300), st.sampled_from([SIMPLIFIED, TRADITIONAL])),
    st.sampled_from(ENCODINGS),
)
sprinkled = st.builds(  # good text with NULs, control characters or stray bytes put in
    lambda text, junk, at: text[:at] + junk + text[at:],
    st.sampled_from([SIMPLIFIED.encode("utf-8"), TRADITIONAL.encode("big5"), SIMPLIFIED.encode("utf-16-le")]),
    st.binary(min_size=1, max_size=8).map(lambda b: bytes(x % 32 for x in b)) | st.binary(min_size=1, max_size=8),
    st.integers(0, 400),
)
long_line = st.builds(  # one line of 1,000 to 300,000 characters
    lambda unit, length, encoding: (unit * (length // len(unit) + 1))[:length].encode(encoding, errors="replace"),
    st.sampled_from(["甲", "全市经济平稳增长，", "lorem ipsum ", SIMPLIFIED.replace("\n", "")]),
    st.integers(1_000, 300_000),
    st.sampled_from(["utf-8", "gb18030", "utf-16-le"]),
)
contents = st.one_of(st.binary(max_size=2_000), encoded_text, sprinkled, long_line)

stems = st.one_of(
    st.binary(min_size=1, max_size=240).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")),
    st.text(min_size=1, max_size=60).map(lambda t: t.replace("/", "_").replace("\x00", "_").encode("utf-8")),
    st.sampled_from([b" ", b"..", b". .", b"a b", b"-", b"\xd0\xc3\xd6\xdd", "忻州".encode(), b"\xff" * 240]),
)
suffixes = st.sampled_from([b".txt", b".md", b".TXT", b".Md", b""])
names = st.builds(lambda stem, suffix: stem + suffix, stems, suffixes).filter(lambda name: name not in (b".", b".."))
corpora = st.lists(st.tuples(names, contents), min_size=1, max_size=4, unique_by=lambda item: item[0])


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail with ``TimeoutError`` when the block runs longer than ``seconds``."""

    def expire(signum, frame):
        raise TimeoutError(f"reading the corpus took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _readable(raw_name: bytes) -> bool:
    """Whether ``read_corpus`` looks at a file so named: a ``.txt``/``.md`` suffix, not hidden."""
    return not raw_name.startswith(b".") and os.fsdecode(raw_name).lower().endswith(SUFFIXES)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(corpora)
def test_any_folder_reads_or_fails_cleanly(files):
    with tempfile.TemporaryDirectory() as folder:
        root = os.fsencode(folder)
        for raw_name, data in files:
            with open(os.path.join(root, raw_name), "wb") as out:
                out.write(data)
        with time_limit(SECONDS_PER_CORPUS):
            try:
                documents, warnings = read_corpus(Path(folder))
            except (EmptyCorpusError, UnreadableFileError):
                return
    for document in documents:
        document.name.encode("utf-8")
        document.written.encode("utf-8")
    assert len({d.name for d in documents}) == len(documents)
    assert len(documents) + len(warnings) == sum(_readable(name) for name, _ in files)


def test_a_nasty_corpus(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    good = {
        "good.txt": ("utf-8", SIMPLIFIED),
        "big5.txt": ("big5", TRADITIONAL),
        "gbk.txt": ("gbk", SIMPLIFIED),
        "utf16.txt": ("utf-16-le", SIMPLIFIED),
        os.fsdecode(b"\xd0\xc3\xd6\xdd.txt"): ("utf-8", SIMPLIFIED),  # 「忻州.txt」 in GB18030
    }
    for name, (encoding, text) in good.items():
        (corpus / name).write_bytes(text.encode(encoding))
    (corpus / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / os.fsdecode(b"\xff\xfe\xfd.txt")).write_bytes(bytes(range(0x80, 0x100)) * 4)
    (corpus / "passwd.txt").symlink_to(outside / "passwd")
    os.mkfifo(corpus / "pipe.txt")  # not a file: passed over, never opened (opening would wait for a writer)
    (corpus / "loop.txt").symlink_to("loop.txt")

    documents, warnings = read_corpus(corpus)

    read = {d.name: (d.encoding, d.written) for d in documents}
    assert read == {
        "big5.txt": ("big5", repair_text(TRADITIONAL)[0]),
        "gbk.txt": ("gb18030", repair_text(SIMPLIFIED)[0]),
        "good.txt": ("utf-8", repair_text(SIMPLIFIED)[0]),
        "utf16.txt": ("utf-16-le", repair_text(SIMPLIFIED)[0]),
        "忻州.txt": ("utf-8", repair_text(SIMPLIFIED)[0]),
    }
    assert sorted(warnings) == sorted(
        [
            "跳过「passwd.txt」：是指向语料文件夹之外的链接",
            "跳过「binary.txt」：是二进制数据（含 NUL 字节）",
            "跳过「empty.txt」：没有文字",
            "跳过「\ufffd\ufffd\ufffd.txt」：无法识别编码（不是 UTF-8、UTF-16、GB18030 或 Big5 文本）",
        ]
    )
