"""The .doc/.wps reader on files LibreOffice writes from python-docx documents: read as their DOCX is;
damaged, encrypted and unrecognised files refused, a missing LibreOffice named, the temporary folder removed,
a conversion past its timeout killed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from policy_qa.errors import UnreadableFileError
from policy_qa.text.readers import office, read_file
from policy_qa.text.readers.docx import read_docx
from policy_qa.text.readers.office import read_legacy_word

from .test_docx import (
    BULLETIN_LINES,
    NUMBERED_LINES,
    lines,
    write_bulletin,
    write_numbered,
)

# A LibreOffice Basic macro saving a document as a password-protected Word 97 file (what a user's encrypted
# .doc is); ``soffice --convert-to`` has no password option.
ENCRYPT_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub Encrypt(source As String, target As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot; : load(0).Value = True
  document = StarDesktop.loadComponentFromURL(ConvertToURL(source), &quot;_blank&quot;, 0, load())
  Dim store(1) As New com.sun.star.beans.PropertyValue
  store(0).Name = &quot;FilterName&quot; : store(0).Value = &quot;MS Word 97&quot;
  store(1).Name = &quot;Password&quot; : store(1).Value = &quot;secret&quot;
  document.storeToURL(ConvertToURL(target), store())
  document.close(True)
End Sub
</script:module>
"""


def soffice(profile: Path, *arguments: str) -> None:
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile.as_uri()}", *arguments],
        check=True, capture_output=True, timeout=180,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bulletin and the numbered document as DOCX (python-docx) and as .doc (LibreOffice)."""
    folder = tmp_path_factory.mktemp("office")
    made = {"bulletin.docx": write_bulletin(folder / "公报.docx"), "numbered.docx": write_numbered(folder / "编号.docx")}
    soffice(folder / "profile", "--convert-to", "doc", "--outdir", str(folder / "doc"),
            str(made["bulletin.docx"]), str(made["numbered.docx"]))
    made["bulletin.doc"] = folder / "doc" / "公报.doc"
    made["numbered.doc"] = folder / "doc" / "编号.doc"
    return made


@pytest.fixture
def own_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of its own for the reader's temporary folders, to see that none is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_doc_reads_as_its_docx(files: dict[str, Path], own_tempdir: Path) -> None:
    read = read_legacy_word(files["bulletin.doc"])
    assert read.text == read_docx(files["bulletin.docx"]).text
    assert lines(read.text) == BULLETIN_LINES
    assert read.form == "doc" and read.line_pages == ()
    assert list(own_tempdir.iterdir()) == []


def test_automatic_numbering_survives_the_doc(files: dict[str, Path]) -> None:
    assert lines(read_file(files["numbered.doc"]).text) == NUMBERED_LINES


def test_wps_is_read_as_word(files: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "公报.wps"
    shutil.copyfile(files["bulletin.doc"], path)
    read = read_file(path)
    assert lines(read.text) == BULLETIN_LINES
    assert read.form == "wps"


def test_doc_named_docx_is_converted(files: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "其实是doc.docx"
    shutil.copyfile(files["bulletin.doc"], path)
    read = read_docx(path)
    assert lines(read.text) == BULLETIN_LINES
    assert read.form == "doc"


def test_truncated_doc(files: dict[str, Path], tmp_path: Path, own_tempdir: Path) -> None:
    path = tmp_path / "截断.doc"
    path.write_bytes(files["bulletin.doc"].read_bytes()[:6000])  # the OLE header survives, the text does not
    with pytest.raises(UnreadableFileError, match="无法转换"):
        read_legacy_word(path)
    assert list(own_tempdir.iterdir()) == []


def test_unrecognised_bytes(tmp_path: Path) -> None:
    """Bytes LibreOffice would import as plain text (garbage) are refused before converting."""
    path = tmp_path / "乱码.doc"
    path.write_bytes(os.urandom(4096).replace(b"<", b"").replace(b"{", b"") + b"\xd0")
    with pytest.raises(UnreadableFileError, match="不是 Word 文件"):
        read_legacy_word(path)


def test_password_protected_doc(files: dict[str, Path], tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    soffice(profile, "--terminate_after_init")  # makes the profile, with its Basic library Standard.Module1
    (profile / "user" / "basic" / "Standard" / "Module1.xba").write_text(ENCRYPT_MACRO, encoding="utf-8")
    path = tmp_path / "加密.doc"
    soffice(profile, f'macro:///Standard.Module1.Encrypt("{files["bulletin.docx"]}","{path}")')
    assert path.read_bytes().startswith(office.OLE_MAGIC)
    with pytest.raises(UnreadableFileError, match="无法转换"):
        read_legacy_word(path)


def test_soffice_missing(files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(UnreadableFileError, match="libreoffice-writer-nogui"):
        read_legacy_word(files["bulletin.doc"])


def test_timeout_kills_the_conversion(
    files: dict[str, Path], own_tempdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(office, "CONVERSION_TIMEOUT", 0.3)  # a conversion takes a second or more
    with pytest.raises(UnreadableFileError, match="超时"):
        read_legacy_word(files["bulletin.doc"])
    assert list(own_tempdir.iterdir()) == []
    assert not _processes_using(own_tempdir)


def _processes_using(folder: Path) -> list[str]:
    """Command lines of the running processes that name ``folder`` (soffice names its profile there)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in command:
            found.append(command)
    return found
