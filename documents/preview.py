"""PDF previews of letters: DOCX -> PDF with headless LibreOffice, and PDF -> text with pdftotext.

A preview is derived, not evidence: the stored DOCX (hashed, verified) is the record, and a PDF
of it is not byte-stable across LibreOffice versions or fonts. So PDFs are made on demand and
never stored in the evidence store.

LibreOffice is an optional system dependency (Debian: `libreoffice-writer-nogui fonts-noto-cjk
poppler-utils`; without fonts-noto-cjk Chinese letters render as empty boxes). Each conversion
runs in a fresh temporary directory with its own LibreOffice profile: concurrent `soffice`
processes sharing one profile fail or hand their work to each other. A fresh profile costs
about 0.5 s on top of the ~1 s conversion; that is the price of needing no lock.

Nothing here logs or puts document content in an error message: letters carry personal data.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

DEBIAN_PACKAGES = "libreoffice-writer-nogui fonts-noto-cjk poppler-utils"
_INSTALL_HINT = f"install the Debian packages: apt-get install --no-install-recommends {DEBIAN_PACKAGES}"

# Where LibreOffice lives when it is not on PATH (Debian/Ubuntu, the upstream .deb/.rpm, macOS).
_SOFFICE_CANDIDATES = (
    "/usr/bin/libreoffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
_OPT_GLOB = "/opt/libreoffice*/program/soffice"


class PreviewError(Exception):
    """A preview could not be made."""


class PreviewUnavailable(PreviewError):
    """This machine has no LibreOffice (or no pdftotext): previews cannot be made here at all."""


class PreviewFailed(PreviewError):
    """The converter ran and failed (non-zero exit, timeout, no output)."""


def find_soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    candidates = [*_SOFFICE_CANDIDATES, *sorted(str(p) for p in Path("/").glob(_OPT_GLOB.lstrip("/")))]
    return next((c for c in candidates if os.access(c, os.X_OK)), None)


def find_pdftotext() -> str | None:
    """The poppler `pdftotext` executable, or None when it is not installed."""
    return shutil.which("pdftotext")


def available() -> bool:
    """Whether this machine can make previews (LibreOffice is installed)."""
    return find_soffice() is not None


def _run(argv: list[str], *, what: str, timeout: float, stdin: bytes | None = None, cwd: Path | None = None) -> bytes:
    """Run `argv` in its own process group; kill the whole group on timeout. Returns stdout."""
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        start_new_session=True,  # soffice forks (oosplash -> soffice.bin): kill them all on timeout
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise PreviewFailed(f"{what} timed out after {timeout:g}s and was killed") from None
    except BaseException:
        # Interrupted (e.g. KeyboardInterrupt): leave no converter behind.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        raise
    if proc.returncode != 0:
        # stderr of these tools names files and filters, never document text.
        detail = err.decode("utf-8", "replace").strip()[-500:]
        raise PreviewFailed(f"{what} exited with status {proc.returncode}: {detail or '(no output)'}")
    return out


def docx_to_pdf(docx: bytes, *, timeout: float = 60) -> bytes:
    """Convert a .docx to PDF with headless LibreOffice (about 1-1.5 s and one CPU per letter).

    Raises `PreviewUnavailable` when LibreOffice is not installed, `PreviewFailed` when the
    conversion fails or takes longer than `timeout` seconds (the process group is killed).
    Blocking: call it from a thread (`asyncio.to_thread`) in async code.
    """
    soffice = find_soffice()
    if soffice is None:
        raise PreviewUnavailable(f"LibreOffice (soffice) is not installed, so PDF previews are unavailable; "
                                 f"{_INSTALL_HINT}")
    # ignore_cleanup_errors: after a timeout kill, a dying soffice.bin may still hold files briefly.
    with tempfile.TemporaryDirectory(prefix="recovery-preview-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        source = work / "letter.docx"  # a fixed name: never a borrower's name or a document id in argv
        source.write_bytes(docx)
        outdir = work / "out"
        argv = [
            soffice,
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source),
        ]
        _run(argv, what="LibreOffice", timeout=timeout, cwd=work)
        target = outdir / "letter.pdf"
        # soffice exits 0 even when it could not load the file; it just writes nothing.
        if not target.is_file():
            raise PreviewFailed("LibreOffice produced no PDF (the document could not be loaded)")
        pdf = target.read_bytes()
    if not pdf.startswith(b"%PDF"):
        raise PreviewFailed("LibreOffice produced something that is not a PDF")
    return pdf


def pdf_text(pdf: bytes, *, timeout: float = 30) -> str:
    """The text of a PDF, page by page in reading order (poppler's pdftotext, UTF-8).

    Line breaks follow the PDF's layout, and pdftotext may add spaces between runs (e.g.
    `19,518.00 元`): compare with whitespace normalised.
    """
    pdftotext = find_pdftotext()
    if pdftotext is None:
        raise PreviewUnavailable(f"pdftotext is not installed; {_INSTALL_HINT}")
    out = _run([pdftotext, "-enc", "UTF-8", "-", "-"], what="pdftotext", timeout=timeout, stdin=pdf)
    return out.decode("utf-8")
