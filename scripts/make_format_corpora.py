"""Make the PDF and Word versions of the seed bulletin that the evaluation reads (eval/corpora/seed_pdf,
eval/corpora/seed_docx), the way an office makes them: the bulletin's paragraphs written by LibreOffice.

The bulletin in ``corpus/`` is text extracted from a PDF (hard-wrapped lines); its repaired paragraphs, one per
line, are what a writer typed. LibreOffice (Debian ``libreoffice-writer-nogui``) converts them to .docx and .pdf.
Run: ``.venv/bin/python scripts/make_format_corpora.py`` (about 3 s); the files are committed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from policy_qa.text.ingest import corpus_files, read_document

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"pdf": ROOT / "eval" / "corpora" / "seed_pdf", "docx": ROOT / "eval" / "corpora" / "seed_docx"}


def main() -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("需要 LibreOffice：apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory() as work:
        typed = Path(work) / "typed"
        typed.mkdir()
        for path, name in corpus_files(ROOT / "corpus")[0]:
            (typed / Path(name).name).write_text(read_document(path, name).written + "\n", encoding="utf-8")
        for kind, target in TARGETS.items():
            target.mkdir(parents=True, exist_ok=True)
            sources = sorted(str(p) for p in typed.iterdir())
            subprocess.run(
                [soffice, "--headless", f"-env:UserInstallation=file://{work}/profile", "--convert-to", kind,
                 "--outdir", str(target), *sources],
                check=True, capture_output=True, timeout=300,
            )
            print(f"{kind}: {', '.join(p.name for p in sorted(target.iterdir()))}")


if __name__ == "__main__":
    main()
