"""OCR for scanned PDF pages: pypdfium2 renders the page, RapidOCR (PP-OCRv4, Chinese) reads it.

Offline by construction: rapidocr-onnxruntime 1.4.4 ships its detection, direction and
recognition models inside the wheel, and nothing here fetches anything. Only pages
without a text layer come here. Bounded: at most `max_pages` pages and `max_seconds`
in all, each refused with a message that says which limit and how to raise it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ENV_MAX_PAGES = "POLICY_QA_OCR_MAX_PAGES"
ENV_MAX_SECONDS = "POLICY_QA_OCR_MAX_SECONDS"
DEFAULT_MAX_PAGES = 30
# Below the reader sandbox's wall-clock limit (retrieval/sandbox.py, 120 s by default), so that
# a long scan ends with this module's message rather than the sandbox's "too complex".
DEFAULT_MAX_SECONDS = 100.0
# 2 × 72 dpi = 144 dpi: PP-OCR reads 10.5-pt Chinese reliably from here; more only costs time.
RENDER_SCALE = 2.0
# Two boxes are on one line when their vertical centres are closer than this share of a box height.
_SAME_LINE = 0.5

OcrProgress = Callable[[str, int, int], None]  # (stage "ocr", pages done, pages to read)


class OcrUnavailable(RuntimeError):
    """RapidOCR or pypdfium2 is not installed."""


class OcrLimitExceeded(RuntimeError):
    """Too many pages, or reading took too long; `zh`/`en` say which limit and how to raise it."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code, self.zh, self.en = code, zh, en
        super().__init__(en)


@dataclass(frozen=True)
class OcrLimits:
    max_pages: int = DEFAULT_MAX_PAGES
    max_seconds: float = DEFAULT_MAX_SECONDS

    @classmethod
    def from_env(cls) -> OcrLimits:
        def number(name: str, default, kind):
            try:
                value = kind(os.environ.get(name, "").strip() or default)
            except ValueError:
                return default
            return value if value > 0 else default

        from .sandbox import time_limit_seconds

        seconds = min(number(ENV_MAX_SECONDS, DEFAULT_MAX_SECONDS, float), 0.9 * time_limit_seconds())
        return cls(number(ENV_MAX_PAGES, DEFAULT_MAX_PAGES, int), seconds)


@dataclass(frozen=True)
class OcrPage:
    number: int  # 1-based page number in the PDF
    text: str  # recognised lines, top to bottom, one per line
    confidence: float  # mean recognition score over characters, 0–1
    seconds: float


_engine = None
_engine_lock = threading.Lock()
# Bracket look-alikes OCR returns for the 〔〕 of a document number (人社部发〔2025〕27号).
_DOC_NUMBER_RE = re.compile(r"([\u4e00-\u9fff]{1,10}[发函字])\s*[\[【〔(（［]\s*(\d{4})\s*[\]】〕)）］]\s*(\d{1,4})\s*号")


def _cache_dir() -> Path:
    """Pages already read, by file content and page: a file is read once when it is checked and
    again when it is added, each time in a fresh reader process (retrieval/sandbox.py)."""
    data_dir = os.environ.get("POLICY_QA_DATA_DIR") or Path(__file__).resolve().parent.parent / "data"
    return Path(data_dir) / "ocr-cache"


def _cached(digest: str, number: int) -> OcrPage | None:
    try:
        return OcrPage(**json.loads((_cache_dir() / f"{digest}-{number}.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _remember(digest: str, page: OcrPage) -> None:
    try:
        folder = _cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{digest}-{page.number}.{os.getpid()}"
        tmp.write_text(json.dumps(asdict(page), ensure_ascii=False), encoding="utf-8")
        tmp.replace(folder / f"{digest}-{page.number}.json")
    except OSError:
        pass  # a cache that cannot be written only costs time


def available() -> bool:
    try:
        import pypdfium2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _ocr_engine():
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:
                raise OcrUnavailable(str(exc)) from exc
            # One intra-op thread per session: the app serves questions on the same cores.
            _engine = RapidOCR(intra_op_num_threads=int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or -1)
        return _engine


def _prepare(image):
    """Greyscale with stretched contrast: a faint or grey-on-grey scan reads like a clean one."""
    from PIL import ImageOps

    return ImageOps.autocontrast(image.convert("L"), cutoff=1).convert("RGB")


def _lines(result) -> tuple[list[str], float]:
    """RapidOCR's boxes → text lines in reading order, and the character-weighted mean score."""
    boxes = []
    for box, text, score in result or []:
        ys = [p[1] for p in box]
        xs = [p[0] for p in box]
        boxes.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys), min(xs), text, float(score)))
    boxes.sort(key=lambda b: (b[0], b[2]))
    lines: list[list[tuple]] = []
    for b in boxes:
        if lines and abs(b[0] - lines[-1][0][0]) < _SAME_LINE * max(b[1], lines[-1][0][1]):
            lines[-1].append(b)
        else:
            lines.append([b])
    texts = [
        _DOC_NUMBER_RE.sub(r"\1〔\2〕\3号", "".join(b[3] for b in sorted(line, key=lambda b: b[2]))) for line in lines
    ]
    chars = sum(len(b[3]) for b in boxes)
    confidence = sum(len(b[3]) * b[4] for b in boxes) / chars if chars else 0.0
    return texts, confidence


def ocr_image(image) -> tuple[str, float]:
    """Text and mean confidence of one page image (PIL)."""
    import numpy as np

    result, _ = _ocr_engine()(np.asarray(_prepare(image)))
    lines, confidence = _lines(result)
    return "\n".join(lines), confidence


def _stderr_progress(stage: str, done: int, total: int) -> None:
    import sys

    print(f"policy-qa-progress {stage} {done} {total}", file=sys.stderr, flush=True)


def ocr_pdf_pages(
    data: bytes,
    page_numbers: list[int],
    *,
    limits: OcrLimits | None = None,
    progress: OcrProgress | None = None,
) -> list[OcrPage]:
    """Read the given 1-based pages of a PDF by OCR; raises OcrLimitExceeded or OcrUnavailable."""
    limits = limits or OcrLimits.from_env()
    if len(page_numbers) > limits.max_pages:
        raise OcrLimitExceeded(
            "ocr_too_many_pages",
            f"有 {len(page_numbers)} 页是扫描件，需要文字识别（OCR），超过上限 {limits.max_pages} 页；"
            f"请拆分文件，或由管理员调高 {ENV_MAX_PAGES}",
            f"{len(page_numbers)} pages are scanned and need OCR, more than the limit of {limits.max_pages}; "
            f"split the file or raise {ENV_MAX_PAGES}",
        )
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:
        raise OcrUnavailable(str(exc)) from exc
    if progress is None and os.environ.get("POLICY_QA_PROGRESS_STDERR"):
        progress = _stderr_progress  # in the reader's child process (retrieval/sandbox.py)
    digest = hashlib.sha256(data).hexdigest()
    started = time.perf_counter()
    out: list[OcrPage] = []
    pdf = pdfium.PdfDocument(data)
    try:
        if progress:
            progress("ocr", 0, len(page_numbers))
        for done, number in enumerate(page_numbers, start=1):
            page = _cached(digest, number)
            if page is None:
                t = time.perf_counter()
                image = pdf[number - 1].render(scale=RENDER_SCALE).to_pil()
                text, confidence = ocr_image(image)
                page = OcrPage(number, text, round(confidence, 4), round(time.perf_counter() - t, 3))
                _remember(digest, page)
            out.append(page)
            if progress:
                progress("ocr", done, len(page_numbers))
            elapsed = time.perf_counter() - started
            if elapsed > limits.max_seconds and done < len(page_numbers):
                raise OcrLimitExceeded(
                    "ocr_timeout",
                    f"文字识别（OCR）超时：{elapsed:.0f} 秒内只识别了 {done}/{len(page_numbers)} 页（上限 "
                    f"{limits.max_seconds:.0f} 秒）；请拆分文件，或由管理员调高 {ENV_MAX_SECONDS} 和 POLICY_QA_PARSE_SECONDS",
                    f"OCR took too long: {done} of {len(page_numbers)} pages in {elapsed:.0f}s (limit "
                    f"{limits.max_seconds:.0f}s); split the file or raise {ENV_MAX_SECONDS} and POLICY_QA_PARSE_SECONDS",
                )
    finally:
        pdf.close()
    return out


__all__ = [
    "OcrLimitExceeded",
    "OcrLimits",
    "OcrPage",
    "OcrUnavailable",
    "available",
    "ocr_image",
    "ocr_pdf_pages",
]
