"""Uploaded files → Documents: PDF (pypdf, page numbers kept), .txt/.md, .docx.

One entry point, `read_document(data, filename, ...)`: bytes and a name in, a
`Document` out, or `DocumentRejected` with a bilingual message that can be shown
to the person who uploaded the file as is. Nothing here writes anywhere.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from . import limits
from .documents import AUTHORITIES, USER_ADDED, Document, DocumentMeta

ENV_MAX_MB = "POLICY_QA_MAX_UPLOAD_MB"
DEFAULT_MAX_MB = 20.0
SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md", ".docx")
MAX_FILENAME_CHARS = 255
# Fewer visible characters than this per page means the PDF has no usable text layer.
MIN_CHARS_PER_PAGE = 10


class DocumentRejected(ValueError):
    """A file that cannot become a document; `str()` is the bilingual message for the user."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code = code
        self.zh = zh
        self.en = en
        super().__init__(f"{zh} ({en})")


@dataclass(frozen=True)
class Page:
    """The text of one page (PDF) or of the whole file (one page for unpaged formats)."""

    number: int
    text: str
    # Set when the page was read by OCR: the mean recognition confidence (0–1).
    ocr_confidence: float | None = None


def max_upload_bytes() -> int:
    raw = os.environ.get(ENV_MAX_MB, "")
    try:
        mb = float(raw) if raw.strip() else DEFAULT_MAX_MB
    except ValueError:
        mb = DEFAULT_MAX_MB
    return int(mb * 1024 * 1024)


# ---- names ----------------------------------------------------------------------------

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def check_filename(filename: str) -> str:
    """The name as given, if it is a plain file name; refuses paths and control characters.

    The name is only used for its suffix and a default title (files are stored under
    a generated id), but a name that tries to climb directories is a sign of a
    tampered upload and is refused rather than silently cleaned.
    """
    name = (filename or "").strip()
    if not name:
        raise DocumentRejected("bad_name", "文件名为空", "the file has no name")
    if len(name) > MAX_FILENAME_CHARS:
        raise DocumentRejected(
            "bad_name", f"文件名过长（超过 {MAX_FILENAME_CHARS} 个字符）", f"the file name is longer than {MAX_FILENAME_CHARS} characters"
        )
    if _CONTROL_RE.search(name):
        raise DocumentRejected("bad_name", "文件名含有控制字符", "the file name contains control characters")
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith(".."):
        raise DocumentRejected(
            "bad_name",
            f"文件名不能包含路径：{name!r}，请只上传文件本身",
            f"the file name must not contain a path: {name!r}",
        )
    return name


def default_title(filename: str) -> str:
    stem = PurePath(filename).stem.strip() or filename
    return re.sub(r"[_]+", " ", stem).strip() or "未命名文档"


# ---- text normalisation ----------------------------------------------------------------

# Full-width punctuation is how Chinese is written (and how the shipped corpus reads);
# NFKC would turn "，：（）" into ASCII, so those are kept. Everything else with a
# compatibility form — Kangxi radicals (⼈ → 人), CJK compatibility ideographs,
# full-width letters and digits, ligatures — is folded so that it can be found.
_KEEP_FULLWIDTH = frozenset(
    chr(c) for c in (*range(0xFF01, 0xFF10), *range(0xFF1A, 0xFF21), *range(0xFF3B, 0xFF41), *range(0xFF5B, 0xFF66))
)
_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_BAD_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u3000]+")
_NEEDS_FOLD_RE = re.compile("[\u2e80-\u2fdf\u3200-\u33ff\uf900-\ufaff\ufb00-\ufb4f\uff00-\uffef\U0002f800-\U0002fa1f]")


# CJK radicals that NFKC leaves alone, yet PDF fonts map whole characters to (增⻓ for 增长).
_RADICAL_TO_CHAR = str.maketrans(
    "⺠⻄⻅⻆⻉⻋⻐⻓⻔⻘⻗⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻑⻁⻊",
    "民西见角贝车钅长门青雨韦页风飞食马骨鬼鱼鸟卤麦黄黾齐齿龙長虎足",
)


def _fold_char(m: re.Match) -> str:
    ch = m.group(0)
    return ch if ch in _KEEP_FULLWIDTH else unicodedata.normalize("NFKC", ch).translate(_RADICAL_TO_CHAR)


def normalize_text(text: str) -> str:
    """Clean document text: compatibility forms folded, control and zero-width characters gone,
    line ends unified, runs of spaces collapsed, blank-line runs limited to one."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH_RE.sub("", text)
    text = _BAD_CONTROL_RE.sub("", text)
    text = _NEEDS_FOLD_RE.sub(_fold_char, text)
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def label_text(text: str) -> str:
    """A one-line label (title, issuer, number): normalised, and without any invisible format
    character — right-to-left overrides and isolates, zero-width joiners, soft hyphens — that
    could make a title read differently from what it is."""
    text = normalize_text(text).replace("\n", " ")
    return "".join(c for c in text if unicodedata.category(c) != "Cf").strip()


# ---- PDF line reflow -----------------------------------------------------------------

_NUM = "一二三四五六七八九十百零〇两"
_HEADING_START_RE = re.compile(
    rf"^(?:第[{_NUM}\d]+[章节条部分篇]|[{_NUM}]+、|（[{_NUM}\d]+）|\([{_NUM}\d]+\)|\d{{1,2}}[.、．](?!\d)|问\s*\d+\s*[：:]|附件|[•·●▪\-–]\s)"
)
_ENDS_PARAGRAPH = "。！？；：:!?;"


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def reflow(lines: list[str], full_width: int) -> list[str]:
    """Join visual lines that a PDF wrapped back into paragraphs.

    A PDF stores lines as laid out on the page; the chunker reads one line as one
    paragraph and a short line without a full stop as a heading, so wrapped lines
    would become a storm of fake headings. A line continues onto the next when it
    is (nearly) as wide as the page's text column, does not end a sentence, and the
    next line does not start a numbered heading.
    """
    out: list[str] = []
    joinable = False
    for line in lines:
        if not line:
            joinable = False
            continue
        if out and joinable and not _HEADING_START_RE.match(line):
            prev = out[-1]
            sep = " " if prev[-1:].isascii() and prev[-1:].isalnum() and line[:1].isascii() and line[:1].isalnum() else ""
            out[-1] = prev + sep + line
        else:
            out.append(line)
        joinable = _width(line) >= 0.85 * full_width and line[-1] not in _ENDS_PARAGRAPH
    return out


def _column_width(page_lines: list[list[str]]) -> int:
    widths = sorted(_width(line) for lines in page_lines for line in lines if line)
    if not widths:
        return 0
    # A high percentile, not the maximum: one long URL or table row should not set the column.
    return widths[int(0.9 * (len(widths) - 1))]


# ---- readers -------------------------------------------------------------------------


def _read_pdf(data: bytes) -> list[Page]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    # The header may follow a few bytes of junk (the PDF spec allows 1024), never more.
    if b"%PDF-" not in data[:1024]:
        raise DocumentRejected(
            "not_pdf", "文件扩展名是 .pdf，但内容不是 PDF", "the file is named .pdf but its content is not a PDF"
        )
    # Every complete PDF ends with %%EOF (give or take trailing whitespace or junk);
    # its absence means an interrupted download, and the text after the cut is gone.
    if b"%%EOF" not in data[-2048:]:
        raise DocumentRejected(
            "corrupt_pdf",
            "PDF 文件不完整（可能下载或复制时被截断），请重新获取原文件",
            "the PDF is truncated (incomplete download or copy); please get the original file again",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                # Many PDFs are "encrypted" only with an owner password (no printing or copying);
                # they open with the empty user password.
                try:
                    opened = reader.decrypt("")
                except (PyPdfError, NotImplementedError, ValueError):
                    opened = 0
                if not opened:
                    raise DocumentRejected(
                        "encrypted_pdf",
                        "PDF 已加密，需要密码才能打开；请上传未加密的版本",
                        "the PDF is encrypted with a password; please upload an unencrypted copy",
                    )
            _check_page_count(reader)
            raw_pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentRejected:
        raise
    except FileNotDecryptedError as exc:
        raise DocumentRejected(
            "encrypted_pdf", "PDF 已加密，无法读取", "the PDF is encrypted and cannot be read"
        ) from exc
    except Exception as exc:  # pypdf raises many types on broken files; all mean the same to the user
        raise DocumentRejected(
            "corrupt_pdf", f"PDF 文件已损坏，无法读取（{type(exc).__name__}）", f"the PDF is damaged and cannot be read: {exc}"
        ) from exc
    if not raw_pages:
        raise DocumentRejected("empty", "PDF 没有任何页面", "the PDF has no pages")
    page_lines = [[line.strip() for line in normalize_text(t).split("\n")] for t in raw_pages]
    scanned = [i + 1 for i, lines in enumerate(page_lines) if len(re.sub(r"\s", "", "".join(lines))) < MIN_CHARS_PER_PAGE]
    confidence = _ocr_scanned_pages(data, scanned, page_lines, len(raw_pages))
    width = _column_width(page_lines)
    return [
        Page(i + 1, "\n".join(reflow(lines, width)), confidence.get(i + 1)) for i, lines in enumerate(page_lines)
    ]


def _ocr_scanned_pages(data: bytes, scanned: list[int], page_lines: list[list[str]], n_pages: int) -> dict[int, float]:
    """Read pages without a text layer by OCR (retrieval/ocr.py), in place; their confidences by page."""
    from . import ocr

    visible = n_pages - len(scanned)
    if not scanned:
        return {}
    if not ocr.available():
        if visible:  # a blank or picture page among text pages needs no OCR to be useful
            return {}
        raise DocumentRejected(
            "no_text_layer",
            "PDF 中没有可提取的文字（可能是扫描件），本系统未安装 OCR 组件（rapidocr-onnxruntime）",
            "the PDF has no text layer (probably scanned) and OCR (rapidocr-onnxruntime) is not installed",
        )
    try:
        pages = ocr.ocr_pdf_pages(data, scanned)
    except ocr.OcrLimitExceeded as exc:
        raise DocumentRejected(exc.code, exc.zh, exc.en) from exc
    out = {}
    for page in pages:
        lines = [line.strip() for line in normalize_text(page.text).split("\n")]
        if len(re.sub(r"\s", "", "".join(lines))) >= MIN_CHARS_PER_PAGE:
            page_lines[page.number - 1] = lines
            out[page.number] = page.confidence
    if not out and not visible:
        raise DocumentRejected(
            "no_text_layer",
            "PDF 中没有可提取的文字，文字识别（OCR）也没有识别出文字",
            "the PDF has no text layer, and OCR found no text on its pages",
        )
    return out


def _check_page_count(reader) -> None:
    """Refuse a PDF with more pages than an indexable document has, before reading any page.

    The declared /Count is checked first (cheap); the real page list after, since /Count can lie.
    """
    limit = limits.max_pages()
    try:
        declared = int(reader.trailer["/Root"]["/Pages"].get("/Count", 0))
    except Exception:
        declared = 0
    count = declared if declared > limit else len(reader.pages)
    if count > limit:
        raise DocumentRejected(
            "too_many_pages",
            f"PDF 页数过多：{count} 页，上限为 {limit} 页",
            f"the PDF has {count} pages; the limit is {limit}",
        )


_GB_FAMILY = ("gb2312", "gbk", "gb18030", "hz")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK; else charset detection."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise DocumentRejected("binary", "文件不是文本文件（含二进制内容）", "the file is binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Chinese government text that is not UTF-8 is almost always GBK; GB18030 is its superset.
    # Accept it when the result reads as Chinese rather than as mojibake.
    try:
        text = data.decode("gb18030")
        non_ascii = [c for c in text if ord(c) > 127]
        if non_ascii and sum("\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" for c in non_ascii) >= 0.9 * len(non_ascii):
            return text
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None or best.chaos > 0.3:
        raise DocumentRejected(
            "encoding",
            "无法识别文件的文字编码，请另存为 UTF-8 编码后再上传",
            "the text encoding could not be recognised; please save the file as UTF-8 and upload it again",
        )
    return str(best)


_MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_RULE_RE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")


def _strip_markdown_structure(text: str) -> str:
    """`## 一、总体要求` → `一、总体要求`, so Markdown headings become headings the chunker knows.

    Only structure goes; inline markup stays as literal text (it is shown as text, never rendered).
    """
    out = []
    for line in text.split("\n"):
        if _MD_RULE_RE.match(line):
            out.append("")
            continue
        m = _MD_HEADING_RE.match(line)
        out.append(m.group(1) if m else line)
    return "\n".join(out)


def _check_expanded_size(data: bytes) -> None:
    """Refuse a .docx whose parts would expand past the limit, before any part is decompressed.

    zipfile never returns more than a member's declared size (a lying header fails its CRC
    check instead), so the declared sizes bound what python-docx can be made to read.
    """
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise DocumentRejected("corrupt_docx", "Word 文档已损坏，无法读取", f"the Word document is damaged: {exc}") from exc
    limit = limits.max_expanded_bytes()
    if expanded > limit:
        raise DocumentRejected(
            "too_large_expanded",
            f"Word 文档解压后过大：{expanded / 1048576:.0f} MB，上限为 {limit / 1048576:.0f} MB",
            f"the Word document expands to {expanded / 1048576:.0f} MB; the limit is {limit / 1048576:.0f} MB",
        )


def _read_docx(data: bytes) -> list[Page]:
    if not data.startswith(b"PK"):
        raise DocumentRejected("not_docx", "文件扩展名是 .docx，但内容不是 Word 文档", "the file is named .docx but is not a Word document")
    try:
        import docx  # python-docx
    except ImportError as exc:
        raise DocumentRejected(
            "unsupported", "本系统未安装 Word 读取组件，请另存为 PDF 或 TXT 后上传", "Word files need python-docx; save as PDF or TXT instead"
        ) from exc
    _check_expanded_size(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise  # out of the sandbox's memory: too complex, not damaged (retrieval/sandbox.py says so)
    except Exception as exc:
        raise DocumentRejected("corrupt_docx", "Word 文档已损坏，无法读取", f"the Word document is damaged: {exc}") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    return [Page(1, "\n".join(lines))]


def _content_suffix(data: bytes, suffix: str) -> str:
    """The reader a file needs by its content: a PDF or Word file renamed .txt is still read as one."""
    if suffix in (".txt", ".md"):
        head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"%PDF-"):
            return ".pdf"
        if head.startswith(b"PK\x03\x04"):
            return ".docx"
    return suffix


def read_pages(data: bytes, filename: str) -> tuple[list[Page], bool]:
    """The file's text per page, and whether page numbers are meaningful (PDF)."""
    suffix = _content_suffix(data, PurePath(filename).suffix.lower())
    if suffix == ".pdf":
        return _read_pdf(data), True
    if suffix in (".txt", ".md"):
        text = decode_text(data)
        if suffix == ".md":
            text = _strip_markdown_structure(text.replace("\r\n", "\n"))
        return [Page(1, text)], False
    if suffix == ".docx":
        return _read_docx(data), False
    raise DocumentRejected(
        "unsupported",
        f"不支持的文件类型 {suffix or '（无扩展名）'}，请上传 PDF、TXT、MD 或 DOCX 文件",
        f"unsupported file type {suffix or '(none)'}; upload a PDF, .txt, .md or .docx file",
    )


def document_from_pages(
    pages: list[Page],
    *,
    doc_id: str,
    title: str,
    authority: str = USER_ADDED,
    paged: bool = True,
    date: str = "",
    issuer: str = "",
    number: str = "",
    source: str = "",
) -> Document:
    """Join page texts into one Document; for paged sources, remember where each page starts."""
    texts, starts, offset = [], [], 0
    ocr_pages = tuple((p.number, p.ocr_confidence) for p in pages if p.ocr_confidence is not None)
    for page in pages:
        text = normalize_text(page.text)
        starts.append(offset)
        texts.append(text)
        offset += len(text) + 2  # the blank line between pages
    text = "\n\n".join(texts)
    if len(text) > limits.max_doc_chars():
        raise DocumentRejected(
            "too_long",
            f"文件文字过多：{len(text):,} 个字符，上限为 {limits.max_doc_chars():,}",
            f"the file has {len(text):,} characters; the limit is {limits.max_doc_chars():,}",
        )
    if not re.search(r"\w", text):
        raise DocumentRejected("empty", "文件中没有文字内容", "the file contains no text")
    if authority not in AUTHORITIES:
        raise DocumentRejected(
            "bad_authority", f"未知的来源类别 {authority!r}", f"unknown authority {authority!r}; use one of {', '.join(AUTHORITIES)}"
        )
    return Document(
        doc_id=doc_id,
        title=title,
        text=text,
        authority=authority,
        issuer=issuer,
        number=number,
        date=date,
        source=source,
        page_starts=tuple(starts) if paged else (),
        ocr_pages=ocr_pages,
    )


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_document(
    data: bytes,
    filename: str,
    meta: DocumentMeta = DocumentMeta(),
    *,
    doc_id: str,
    max_bytes: int | None = None,
) -> Document:
    """Validate and read one uploaded file. Raises DocumentRejected with a message for the user."""
    name = check_filename(filename)
    limit = max_bytes if max_bytes is not None else max_upload_bytes()
    if len(data) > limit:
        raise DocumentRejected(
            "too_large",
            f"文件过大：{len(data) / 1048576:.1f} MB，上限为 {limit / 1048576:.0f} MB",
            f"the file is {len(data) / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB",
        )
    if not data.strip():
        raise DocumentRejected("empty", "文件是空的", "the file is empty")
    date = meta.date
    if date and not _DATE_RE.match(date):
        raise DocumentRejected("bad_date", f"日期格式应为 YYYY-MM-DD：{date!r}", f"the date must look like YYYY-MM-DD: {date!r}")
    pages, paged = read_pages(data, name)
    clean_title = label_text(meta.title or "") or label_text(default_title(name)) or "未命名文档"
    return document_from_pages(
        pages,
        doc_id=doc_id,
        title=clean_title[:200],
        authority=meta.authority,
        paged=paged,
        date=date,
        issuer=label_text(meta.issuer),
        number=label_text(meta.number),
        source=name,
    )


__all__ = [
    "DEFAULT_MAX_MB",
    "DocumentRejected",
    "Page",
    "SUPPORTED_SUFFIXES",
    "check_filename",
    "decode_text",
    "document_from_pages",
    "label_text",
    "max_upload_bytes",
    "normalize_text",
    "read_document",
    "read_pages",
    "reflow",
]
