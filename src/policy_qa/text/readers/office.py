"""Legacy Word files (``.doc``) and Kingsoft WPS files (``.wps``, mostly OLE Word files): converted to DOCX by
LibreOffice headless in a temporary folder, then read by ``docx.read_docx``.

LibreOffice (Debian package ``libreoffice-writer-nogui``) must be on ``PATH`` as ``soffice``. Each conversion
gets its own user profile, so it never hands the file to another running LibreOffice; conversions run one at
a time, and one that outlasts ``CONVERSION_TIMEOUT`` is killed with its whole process group.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from ...errors import UnreadableFileError
from . import ReadText
from .docx import OLE_MAGIC, read_docx

# Seconds a conversion may take (1–3 s measured for a few pages, a first start included).
CONVERSION_TIMEOUT = 120
# The Debian package that provides ``soffice`` without a desktop, named in the error when it is missing.
SOFFICE_PACKAGE = "libreoffice-writer-nogui"
# How a file LibreOffice reads as a Word document starts: OLE (Word 97–2003, WPS), a zip (a DOCX under a .doc
# name), RTF, or markup (Word 2003 XML, a web page saved as .doc). Anything else LibreOffice would import as
# plain text, turning a damaged file into garbage.
SIGNATURES = (OLE_MAGIC, b"PK\x03\x04", b"{\\rtf")
# Bytes looked at for markup (after a BOM and whitespace).
_HEAD = 1024

_ONE_AT_A_TIME = threading.Lock()


def read_legacy_word(path: Path) -> ReadText:
    """The body text of the ``.doc`` or ``.wps`` file at ``path`` (no pages); ``form`` is "wps" or "doc"."""
    form = "wps" if path.suffix.lower() == ".wps" else "doc"
    soffice = shutil.which("soffice")
    if soffice is None:
        raise UnreadableFileError(f"无法读取 .{form} 文件：未安装 LibreOffice（Debian 软件包 {SOFFICE_PACKAGE}）")
    _check_signature(path)
    with _ONE_AT_A_TIME, tempfile.TemporaryDirectory(prefix="policy-qa-office-") as folder:
        converted = _convert(Path(soffice), path, Path(folder), form)
        read = read_docx(converted)
    return ReadText(read.text, form, warnings=read.warnings)


def _check_signature(path: Path) -> None:
    try:
        with path.open("rb") as file:
            head = file.read(_HEAD)
    except OSError as error:
        raise UnreadableFileError(f"无法读取（{error.strerror or error}）") from error
    markup = head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")
    if not head.startswith(SIGNATURES) and not markup:
        raise UnreadableFileError("不是 Word 文件（格式无法识别，可能已损坏）")


def _convert(soffice: Path, path: Path, folder: Path, form: str) -> Path:
    """The DOCX LibreOffice makes of ``path`` inside ``folder``; ``UnreadableFileError`` when it makes none."""
    source = folder / f"document.{form}"  # a plain name: LibreOffice names its output after its input
    try:
        shutil.copyfile(path, source)
    except OSError as error:
        raise UnreadableFileError(f"无法读取（{error.strerror or error}）") from error
    output = folder / "out"
    command = [
        str(soffice), "--headless", "--norestore", "--nolockcheck",
        f"-env:UserInstallation={(folder / 'profile').as_uri()}",
        "--convert-to", "docx", "--outdir", str(output), str(source),
    ]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        process.communicate(timeout=CONVERSION_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise UnreadableFileError(f"LibreOffice 转换超时（超过 {CONVERSION_TIMEOUT} 秒）") from None
    finally:
        if process.poll() is None:  # timed out or interrupted
            os.killpg(process.pid, signal.SIGKILL)  # soffice is a script starting soffice.bin: end them all
            process.communicate()
    converted = output / "document.docx"
    if not converted.is_file():  # soffice exits with 0 even when it could not load the file
        raise UnreadableFileError(f"LibreOffice 无法转换此 .{form} 文件（已损坏、加密或不是 Word 文件）")
    return converted
