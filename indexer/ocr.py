"""OCR of scanned PDF pages with the tesseract command-line program, cached by page.

Pages are rendered with pdfium (`ExtractionParams.ocr_dpi`, grey, a median filter against scanner
speckle; the text objects hidden on a page whose text layer is kept, so that OCR does not read it
again) in the calling thread (pdfium is not thread-safe); one tesseract process per page runs
with one thread each (`OMP_THREAD_LIMIT=1`: one process per core is faster than tesseract's own
threads), as many at a time as there are cores, or one inside a build's worker process.

The text of a page is cached under the cache directory (`set_cache_dir`, which the build points at
`<index>/cache/ocr` and passes on to its worker processes through `RAPPORTEUR_OCR_CACHE`), one small
file per page: `<key[:2]>/<key>/<tesseract version>.txt` (`-as-printed` after the version when the
orientation could not be detected), the key being the SHA-256 of the resolution, filter, language and
segmentation mode, and of what the page draws: for a plain scanned page its images' encoded data (a
page read before is not rendered again), for any other its rendered pixels. Without tesseract, the
text an earlier version read is still used. Without tesseract or its language data,
`OcrUnavailableError` says what to install.
Tesseract first detects each page's orientation (`ExtractionParams.ocr_page_segmentation` 1, with
Debian's `tesseract-ocr-osd`), so that a sheet scanned sideways or upside down is read; without the
orientation data it reads pages as they are, with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import shutil
import subprocess
import tempfile
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageFilter

from indexer.pdf_text import open_pdf
from rapporteur.errors import LoaderError, OcrUnavailableError
from rapporteur.parameters import EXTRACTION, ExtractionParams

CACHE_ENV = "RAPPORTEUR_OCR_CACHE"
INSTALL_HINT = "Debian: apt-get install tesseract-ocr tesseract-ocr-fra tesseract-ocr-osd"
ORIENTATION_DATA = "osd"  # tesseract's orientation and script detection data
AS_PRINTED = 3  # --psm: the page's blocks as they are, no orientation detection
AS_PRINTED_SUFFIX = "-as-printed"  # after the version in the name of a reading made without orientation

log = logging.getLogger(__name__)

_cache_dir: Path | None = None


@dataclass
class OcrStats:
    """Pages read by tesseract and pages found in the cache, in this process."""

    runs: int = 0
    hits: int = 0


stats = OcrStats()


def set_cache_dir(path: Path | None) -> None:
    """Cache OCR text under `path` (None: no cache), in this process and in the worker processes
    started after this call (through the `RAPPORTEUR_OCR_CACHE` environment variable)."""
    global _cache_dir
    _cache_dir = Path(path) if path is not None else None
    if path is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = str(path)


def cache_dir() -> Path | None:
    """Where OCR text is cached: the directory set in this process, else the environment's, else none."""
    if _cache_dir is not None:
        return _cache_dir
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else None


@dataclass(frozen=True)
class Tesseract:
    """The tesseract program found on the PATH, its version, and whether it can detect a page's orientation."""

    exe: str
    version: str
    orientation: bool = True

    @property
    def reading(self) -> str:
        """Names what this program reads a page as: its version, and whether orientation is detected."""
        return self.version if self.orientation else f"{self.version}{AS_PRINTED_SUFFIX}"


@lru_cache(maxsize=8)
def _probe(exe: str, language: str) -> Tesseract | str:
    """The program's version, or why it cannot read `language`."""
    try:
        version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False)
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"tesseract cannot be run ({exc})"
    first = (version.stdout or version.stderr).strip().splitlines()
    available = langs.stdout.split()
    if language not in available:
        return f"tesseract has no {language!r} language data (Debian: apt-get install tesseract-ocr-{language})"
    orientation = ORIENTATION_DATA in available
    if not orientation:
        log.warning(
            "tesseract has no orientation data: pages scanned sideways or upside down will be misread "
            "(Debian: apt-get install tesseract-ocr-osd)"
        )
    return Tesseract(exe, first[0].split()[-1] if first else "unknown", orientation)


def tesseract(language: str = EXTRACTION.ocr_language) -> Tesseract:
    """The tesseract program able to read `language`; raises OcrUnavailableError saying what is missing."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise OcrUnavailableError(f"tesseract is not installed ({INSTALL_HINT})")
    found = _probe(exe, language)
    if isinstance(found, str):
        raise OcrUnavailableError(found)
    return found


def ocr_available(language: str = EXTRACTION.ocr_language) -> bool:
    """Whether pages can be read by OCR here."""
    try:
        tesseract(language)
    except OcrUnavailableError:
        return False
    return True


def render_page(data: bytes, index: int, params: ExtractionParams = EXTRACTION) -> Image.Image:
    """Page `index` of the PDF in `data`, rendered in grey at the OCR resolution and filtered."""
    pdf = open_pdf(data)
    try:
        return _render(pdf, index, params)
    finally:
        pdf.close()


def _render(pdf: pdfium.PdfDocument, index: int, params: ExtractionParams, hide_text: bool = False) -> Image.Image:
    """Page `index` rendered for OCR; with `hide_text`, without its text objects (in memory only), so
    that OCR reads the scan under a text layer that is kept as it is (a stamp)."""
    page = pdf[index]
    try:
        if hide_text:
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
                pdfium_c.FPDFTextObj_SetTextRenderMode(obj.raw, pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)
        scale = params.ocr_dpi / 72
        width, height = page.get_size()  # points
        if width * height * scale * scale > params.ocr_max_pixels:  # a poster or a hostile page size
            scale = (params.ocr_max_pixels / max(width * height, 1.0)) ** 0.5
        image = page.render(scale=scale, grayscale=True).to_pil()
    finally:
        page.close()
    if params.ocr_median_filter > 1:
        image = image.filter(ImageFilter.MedianFilter(params.ocr_median_filter))
    return image


def page_key(pdf: pdfium.PdfDocument, index: int, params: ExtractionParams = EXTRACTION) -> str:
    """Cache key of page `index` and of how tesseract is asked to read it (see `_page_key`)."""
    return _page_key(pdf, index, params)[0]


def _page_key(
    pdf: pdfium.PdfDocument, index: int, params: ExtractionParams, hide_text: bool = False
) -> tuple[str, Image.Image | None]:
    """The key of a page, and its rendering when the key needed it.

    A plain scanned page (images only, no clipping, no annotation or form field: what scanners and
    image-to-PDF tools write) is keyed on what it draws without rendering it (0.5 ms against 243 ms):
    its boxes and rotation, and each image's encoded data, size, colour metadata and placement. Any
    other page (vector paths, text objects, clipping, annotations) is keyed on its rendered pixels,
    since two of those may draw differently from the same objects."""
    page = pdf[index]
    digest = hashlib.sha256()
    try:
        setting = (
            f"{params.ocr_dpi}|{params.ocr_max_pixels}|{params.ocr_median_filter}|{params.ocr_language}"
            f"|psm{params.ocr_page_segmentation}|{page.get_mediabox()}|{page.get_cropbox()}|{page.get_rotation()}"
        )
        digest.update(setting.encode())
        plain = _digest_plain_page(page, digest)
    finally:
        page.close()
    if plain:
        digest.update(b"|plain")
        return digest.hexdigest(), None
    image = _render(pdf, index, params, hide_text)
    digest.update(b"|pixels")
    digest.update(image.tobytes())
    return digest.hexdigest(), image


def _digest_plain_page(page: pdfium.PdfPage, digest: hashlib._Hash) -> bool:
    """Feed `digest` with the images of a plain page; False as soon as the page is not plain."""
    if pdfium_c.FPDFPage_GetAnnotCount(page.raw) > 0:
        return False
    for obj in page.get_objects():
        if obj.type not in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM):
            return False
        clip = pdfium_c.FPDFPageObj_GetClipPath(obj.raw)
        if clip and pdfium_c.FPDFClipPath_CountPaths(clip) > 0:
            return False
        digest.update(f"|{obj.type}|{_rounded(obj.get_bounds())}|{_rounded(obj.get_matrix().get())}".encode())
        if isinstance(obj, pdfium.PdfImage):
            meta = obj.get_metadata()
            digest.update(f"{obj.get_px_size()}|{obj.get_filters()}|{meta.bits_per_pixel}|{meta.colorspace}".encode())
            digest.update(bytes(obj.get_data(decode_simple=False)))
    return True


def _rounded(values: tuple[float, ...]) -> str:
    return ",".join(f"{v:.3f}" for v in values)


def _folder(key: str) -> Path | None:
    """Where the readings of the page `key` are cached (None: no cache)."""
    root = cache_dir()
    return None if root is None else root / key[:2] / key


def _cached(key: str, engine: Tesseract | None) -> str | None:
    """Cached text of a page: read by this tesseract (or by the same version with the orientation
    detected, a better reading); by any when none is installed, the newest with orientation first."""
    folder = _folder(key)
    if folder is None:
        return None
    if engine is not None:
        for name in dict.fromkeys((engine.version, engine.reading)):
            path = folder / f"{name}.txt"
            if path.is_file():
                return path.read_text(encoding="utf-8")
        return None
    found = sorted(folder.glob("*.txt"), key=lambda p: (p.stem.endswith(AS_PRINTED_SUFFIX), -p.stat().st_mtime))
    return found[0].read_text(encoding="utf-8") if found else None


def _store(key: str, version: str, text: str) -> None:
    folder = _folder(key)
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, folder / f"{version}.txt")
    except OSError:  # a cache that cannot be written only costs time
        return


def ocr_image(image: Image.Image, engine: Tesseract, params: ExtractionParams = EXTRACTION) -> str:
    """Text of one rendered page (tesseract reads a PNG from stdin, with one thread)."""
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    segmentation = params.ocr_page_segmentation if engine.orientation else AS_PRINTED
    try:
        proc = subprocess.run(
            [engine.exe, "stdin", "stdout", "-l", params.ocr_language, "--psm", str(segmentation)],
            input=buffer.getvalue(),
            capture_output=True,
            env=env,
            timeout=params.ocr_page_timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise LoaderError(f"tesseract took more than {params.ocr_page_timeout_s:.0f} s on a page") from exc
    except OSError as exc:
        raise OcrUnavailableError(f"tesseract cannot be run ({exc})") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()[-300:]
        raise LoaderError(f"tesseract failed (exit {proc.returncode}): {message}")
    stats.runs += 1
    return proc.stdout.decode("utf-8", "replace")


_single_process = False


def use_one_process() -> None:
    """Run one tesseract at a time in this process: its caller already runs one per core (a Ray
    cutting task; the processes of a local build's pool are recognised by themselves)."""
    global _single_process
    _single_process = True


def _workers(pages: int) -> int:
    if _single_process or multiprocessing.current_process().daemon:  # one per core already
        return 1
    return max(1, min(pages, os.cpu_count() or 1))


def ocr_pdf_pages(
    data: bytes, indexes: Sequence[int], params: ExtractionParams = EXTRACTION, under_text: Collection[int] = ()
) -> dict[int, str]:
    """OCR text of the pages `indexes` of the PDF in `data`, from the cache where it has them; the
    pages `under_text` are read without their text objects (the scan under a stamp).

    Raises OcrUnavailableError when a page is not cached and tesseract (or its language data) is
    missing, LoaderError when tesseract fails on a page. Memory holds a few rendered pages at a time."""
    try:
        engine: Tesseract | None = tesseract(params.ocr_language)
        missing: OcrUnavailableError | None = None
    except OcrUnavailableError as exc:
        engine, missing = None, exc
    out: dict[int, str] = {}
    workers = _workers(len(indexes))
    pdf = open_pdf(data)
    try:
        with ThreadPoolExecutor(workers) as pool:
            for start in range(0, len(indexes), 2 * workers):
                todo: list[tuple[int, str, Image.Image]] = []
                for index in indexes[start : start + 2 * workers]:  # rendered here: pdfium is not thread-safe
                    hide = index in under_text
                    key, image = _page_key(pdf, index, params, hide)
                    text = _cached(key, engine)
                    if text is None:
                        todo.append((index, key, image if image is not None else _render(pdf, index, params, hide)))
                    else:
                        stats.hits += 1
                        out[index] = text
                if todo and engine is None:
                    assert missing is not None
                    raise missing
                if todo:
                    tess = engine
                    assert tess is not None
                    texts = pool.map(lambda item, tess=tess: ocr_image(item[2], tess, params), todo)
                    for (index, key, _), text in zip(todo, texts, strict=True):
                        _store(key, tess.reading, text)
                        out[index] = text
    finally:
        pdf.close()
    return out
