"""Structure-aware chunking: headings make sections, sections make clause-sized chunks.

Chinese policy documents number their structure (一、 / （一） / 第一条 / 问1：);
a chunk is one clause or paragraph with its heading path, so a citation points at
the exact clause. A law or regulation (a document of 第X条 articles) is chunked by
article under its 第X章 / 第X节 (`第五章 法律责任 › 第四十二条`, id `ch5.art42`),
the enumerated items （一）（二） of an article staying with it; plans and guides nest
一、 › （一） › 1.; 附件 and tables (rows of cells separated by |) are chunks of their own. Units longer than `MAX_UNIT_CHARS` are split on sentence
boundaries only. Every chunk records the offsets of its original span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .doc_header import first_fact, header_facts
from .documents import AUTHORITY_LABELS_ZH, SHIPPED_AUTHORITIES, Document

CHUNKER_VERSION = "clause-v4"
MAX_UNIT_CHARS = 300
TARGET_PIECE_CHARS = 200
SMALL_UNIT_CHARS = 120
MIN_PIECE_CHARS = 60
SECTION_SEP = " › "

_NUM = "一二三四五六七八九十百零〇两"
_L1_RE = re.compile(rf"^(?:第([{_NUM}\d]+)[章部分篇]|([{_NUM}]+)、)\s*\S")
_ITEM_RE = re.compile(rf"^(?:（([{_NUM}\d]+)）|\(([{_NUM}\d]+)\)|第([{_NUM}\d]+)条)")
_ARABIC_RE = re.compile(r"^(\d{1,2})[.、．]\s*(?!\d)")
_QUESTION_RE = re.compile(r"^问\s*(\d+)\s*[：:]")
_CHAPTER_RE = re.compile(rf"^第([{_NUM}\d]+)章(?:\s|$)")
_SECTION_RE = re.compile(rf"^第([{_NUM}\d]+)节(?:\s|$)")
_ARTICLE_RE = re.compile(rf"^第([{_NUM}\d]+)条(?:\s|$|(?=[^，。、；]))")
# An annex starts with a line "附件", "附件2" or "附件2：标题"; "附件：1.…" is the list of annexes
# at the end of the body, not an annex.
_ANNEX_RE = re.compile(r"^附\s*件\s*(\d*)\s*[：:]?\s*(\D.*)?$")
_ANNEX_LIST_RE = re.compile(r"^附\s*件\s*[：:]\s*\d")
_LIST_ITEM_RE = re.compile(r"^\d{1,2}[.、．]\s*[^。；]{1,40}$")
_TABLE_ROW_RE = re.compile(r"^\|?[^|]*\|[^|]*\|?")
# A document with at least this many 第X条 lines is a law or regulation: it is chunked by article.
LAW_MIN_ARTICLES = 3
_DATE_LINE_RE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
_SENTENCE_FINAL = "。！？；，.!?;,"
_HEADING_MAX = 40
_SENT_RE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
SHORT_LINE = 30
# GB/T 9704's names of a signature block's parts, and the dates gov.cn pages label it with.
SIGNATURE_CONTEXT = "发文机关署名；成文日期（印发日期、发布日期）"
_ENDS = "。！？；!?;：:"


@dataclass(frozen=True)
class Span:
    """What cites a passage: its chunk and document, the document's authority, the section path,
    the text and its document offsets. A Chunk is one as indexed, an engine.Citation one as an
    answer cites it."""

    chunk_id: str
    doc_id: str
    doc_title: str
    authority: str
    section: str
    text: str
    start: int
    end: int

    @property
    def authority_label(self) -> str:
        return AUTHORITY_LABELS_ZH.get(self.authority, self.authority)


@dataclass(frozen=True)
class Chunk(Span):
    """A citable span of a document, with what is needed to search and cite it."""

    page: int | None = None
    # Read by OCR (a scanned page): shown on the citation, since recognition can misread.
    ocr: bool = False
    # The document has been replaced by a newer version; ranking prefers the current one.
    superseded: bool = False
    # Heading path, plus the document's header metadata on its first chunk: searched, not cited.
    context: str = ""

    @property
    def heading(self) -> str:
        """The innermost heading of the chunk's section path."""
        return self.section.split(SECTION_SEP)[-1]

    @property
    def search_text(self) -> str:
        """What is embedded and BM25-indexed: the heading path gives a clause its context."""
        return f"{self.context}\n{self.text}" if self.context else self.text


def sentence_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """(start, end) document offsets of each sentence of a chunk.

    Short unpunctuated lines in a row are one sentence: a signature block (four bodies on
    four lines, then the date) or a title over its reference number is read as a whole,
    not as fragments too short to answer anything.
    """
    out: list[tuple[int, int]] = []
    open_block = False  # the last span is a block of short lines that may go on
    for m in _SENT_RE.finditer(chunk.text):
        a, b = m.start(), m.end()
        while a < b and chunk.text[a].isspace():
            a += 1
        if b - a <= 1:
            continue
        piece = chunk.text[a:b]
        line = b < len(chunk.text) and chunk.text[b] == "\n" or b == len(chunk.text)
        short_line = line and len(piece) <= SHORT_LINE and not piece.startswith("|") and piece[-1] not in _ENDS
        if short_line and open_block:
            out[-1] = (out[-1][0], chunk.start + b)
        else:
            out.append((chunk.start + a, chunk.start + b))
        open_block = short_line
    return out


# A sentence longer than this lists several things (总体要求's 280-character sentence names the
# pilot's four innovations, its size, its length and its four goals); it is also embedded in
# windows of comma clauses, so a question about one of them finds it.
LONG_SENTENCE = 100
CLAUSE_WINDOW = 60
_CLAUSE_RE = re.compile(r"[^，：,:]+[，：,:]?")


def clause_windows(chunk: Chunk, a: int, b: int) -> list[tuple[int, int]]:
    """A long sentence's windows of whole comma clauses, each up to CLAUSE_WINDOW characters."""
    sentence = chunk.text[a - chunk.start : b - chunk.start]
    out = []
    start = end = 0
    for m in _CLAUSE_RE.finditer(sentence):
        if m.end() - start > CLAUSE_WINDOW and end > start:
            out.append((a + start, a + end))
            start = end
        end = m.end()
    if start > 0 and end > start:
        out.append((a + start, a + end))
    return out


def embedded_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """The spans of a chunk that get a vector of their own: its sentences, and the clause
    windows of its long sentences (each sentence first, then its windows)."""
    out = []
    for a, b in sentence_spans(chunk):
        out.append((a, b))
        if b - a > LONG_SENTENCE:
            out += clause_windows(chunk, a, b)
    return out


def answer_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """The spans a short answer is chosen from: sentences, a long one by its clause windows."""
    out = []
    for a, b in sentence_spans(chunk):
        windows = clause_windows(chunk, a, b) if b - a > LONG_SENTENCE else []
        out += windows or [(a, b)]
    return out


def chinese_number(s: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20; Arabic digits pass through."""
    if s.isdigit():
        return int(s)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits.update({"〇": 0, "两": 2})
    total, current = 0, 0
    for ch in s:
        if ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            current = digits.get(ch, 0)
    return total + current


@dataclass
class _Line:
    text: str
    start: int
    end: int


@dataclass
class _Unit:
    path: list[tuple[str, str]]  # (key, heading) pairs
    start: int
    end: int
    keys_suffix: str = ""
    parts: list[_Line] = field(default_factory=list)


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            out.append(_Line(stripped, pos + lead, pos + lead + len(stripped)))
        pos += len(raw) + 1
    return out


def _is_short_heading(line: str) -> bool:
    return len(line) <= _HEADING_MAX and line[-1] not in _SENTENCE_FINAL


def _is_table_row(t: str) -> bool:
    return t.count("|") >= 2 and bool(_TABLE_ROW_RE.match(t))


def _is_law(lines: list[_Line]) -> bool:
    return sum(1 for line in lines if _ARTICLE_RE.match(line.text)) >= LAW_MIN_ARTICLES


def _units(doc: Document) -> list[_Unit]:
    lines = _lines(doc.text)
    law = _is_law(lines)
    annexes = tables = 0
    units: list[_Unit] = []
    path: list[tuple[str, str]] = []  # level-ordered stack: [(key, heading), ...]
    levels: list[int] = []
    unnumbered = 0
    front: list[_Line] = []
    front_path: list[tuple[str, str]] = []
    seen_paragraph = False

    def set_heading(level: int, key: str, heading: str) -> None:
        while levels and levels[-1] >= level:
            levels.pop()
            path.pop()
        levels.append(level)
        path.append((key, heading))

    def flush_front() -> None:
        # Front matter before a numbered heading (a law's title and adoption note) is its own chunk.
        nonlocal front, front_path, seen_paragraph
        if front and not seen_paragraph:
            front_path = [("front", front[0].text.rstrip("：:"))]
            units.append(_Unit(front_path, front[0].start, front[-1].end))
            front = []
            seen_paragraph = True

    def law_boundary(t: str) -> bool:
        return bool(
            _ARTICLE_RE.match(t) or _CHAPTER_RE.match(t) or _SECTION_RE.match(t) or _ANNEX_RE.match(t) or _starts_section(t)
        )

    i = 0
    while i < len(lines):
        line = lines[i]
        t = line.text
        if _ANNEX_LIST_RE.match(t):
            j = i + 1
            while j < len(lines) and _LIST_ITEM_RE.match(lines[j].text):
                j += 1
            units.append(_Unit(list(path) or front_path, line.start, lines[j - 1].end))
            seen_paragraph = True
            i = j
            continue
        if (m := _ANNEX_RE.match(t)) and len(t) <= _HEADING_MAX and "。" not in t:
            flush_front()
            annexes += 1
            heading = t
            nxt = lines[i + 1].text if i + 1 < len(lines) else ""
            if not m.group(2) and _is_short_heading(nxt) and not _starts_section(nxt) and not _ANNEX_RE.match(nxt):
                heading, i = f"{t} {nxt}", i + 1  # the annex's title line
            set_heading(0, f"annex{m.group(1) or annexes}", heading)
            i += 1
            continue
        if _is_table_row(t):
            j = i
            while j < len(lines) and _is_table_row(lines[j].text):
                j += 1
            tables += 1
            units.append(_Unit([*path, (f"table{tables}", f"表格{tables}")], line.start, lines[j - 1].end))
            seen_paragraph = True
            i = j
            continue
        if law and (m := _CHAPTER_RE.match(t) or _SECTION_RE.match(t)):
            flush_front()
            level, prefix = (1, "ch") if m.re is _CHAPTER_RE else (2, "sec")
            set_heading(level, f"{prefix}{chinese_number(m.group(1))}", t)
            i += 1
            continue
        if law and (m := _ARTICLE_RE.match(t)):
            flush_front()
            num = m.group(1)
            # Articles sit under chapters and sections, not under a （一） item that preceded them.
            while levels and levels[-1] >= 2 and not path[-1][0].startswith("sec"):
                levels.pop()
                path.pop()
            set_heading(3, f"art{chinese_number(num)}", f"第{num}条")
            # An article and all of its paragraphs and enumerated items form one unit.
            j = i + 1
            while j < len(lines) and not law_boundary(lines[j].text):
                j += 1
            units.append(_Unit(list(path), line.start, lines[j - 1].end))
            i = j
            continue
        # The signature block: a run of short lines closed by a date line.
        if seen_paragraph and _is_short_heading(t) and not _L1_RE.match(t):
            j = i
            while j < len(lines) and _is_short_heading(lines[j].text) and not _DATE_LINE_RE.match(lines[j].text):
                j += 1
            if j < len(lines) and _DATE_LINE_RE.match(lines[j].text) and j - i <= 8:
                units.append(_Unit([("sign", "落款")], line.start, lines[j].end))
                i = j + 1
                continue
        if m := _QUESTION_RE.match(t):
            set_heading(3, f"q{m.group(1)}", t.replace("：", " ", 1).replace(":", " ", 1))
            # The question and all of its answer's paragraphs form one unit.
            j = i + 1
            while j < len(lines) and not _starts_section(lines[j].text):
                j += 1
            units.append(_Unit(list(path), line.start, lines[j - 1].end))
            seen_paragraph = True
            i = j
            continue
        if (m := _L1_RE.match(t)) and len(t) <= _HEADING_MAX and "。" not in t:
            flush_front()
            num = m.group(1) or m.group(2)
            set_heading(1, str(chinese_number(num)), t)
            i += 1
            continue
        if m := _ITEM_RE.match(t):
            num = m.group(1) or m.group(2) or m.group(3)
            head = re.split(r"[。：]", t, maxsplit=1)[0]
            set_heading(2, str(chinese_number(num)), head[:_HEADING_MAX])
            if len(t) <= len(head) + 1 and i + 1 < len(lines) and _ARABIC_RE.match(lines[i + 1].text):
                i += 1  # "（一）健全协同工作机制。" only heads its 1. 2. items
                continue
        elif m := _ARABIC_RE.match(t):
            head = re.split(r"[。：]", t, maxsplit=1)[0]
            # 1. items sit under a （一） item when there is one (plans: 一、 › （一） › 1.).
            set_heading(3 if levels and levels[-1] >= 2 else 2, m.group(1), head[:_HEADING_MAX])
        elif _is_short_heading(t):
            if not seen_paragraph:
                front.append(line)
            else:
                unnumbered += 1
                set_heading(1, f"s{unnumbered}", t)
            i += 1
            continue
        # A paragraph: the first one absorbs the front matter (title, number, addressee).
        start = line.start
        unit_path = list(path) or front_path
        if not seen_paragraph and front:
            start = front[0].start
            front_path = [("front", front[0].text.rstrip("：:"))]
            unit_path = front_path
            front = []
        seen_paragraph = True
        units.append(_Unit(unit_path, start, line.end))
        i += 1
    if front:  # a document that is only headings
        units.append(_Unit([("front", front[0].text)], front[0].start, front[-1].end))
    return _merge_small(units, doc.text)


def _starts_section(t: str) -> bool:
    return bool(_QUESTION_RE.match(t) or (_L1_RE.match(t) and len(t) <= _HEADING_MAX and "。" not in t))


def _merge_small(units: list[_Unit], text: str) -> list[_Unit]:
    """A very short paragraph (an addressee line, a one-line note) joins the next one in its section."""
    out: list[_Unit] = []
    for unit in units:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.path == unit.path
            and prev.end - prev.start < SMALL_UNIT_CHARS
            and unit.end - prev.start <= MAX_UNIT_CHARS
        ):
            prev.end = unit.end
            continue
        out.append(unit)
    return out


def _splitter(size: int):
    # Imported here: langchain loads in ~1 s, and a query never needs it.
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=0,
        separators=["\n", "。", "！", "？", "；"],
        keep_separator="end",
        strip_whitespace=True,
        length_function=len,
    )


def _pieces(span: str) -> list[tuple[int, int]]:
    """Sentence-aligned (start, end) offsets within `span`, each near TARGET_PIECE_CHARS."""
    if len(span) <= MAX_UNIT_CHARS:
        return [(0, len(span))]
    n = -(-len(span) // TARGET_PIECE_CHARS)
    size = max(-(-len(span) // n), 120)
    out: list[tuple[int, int]] = []
    cursor = 0
    for piece in _splitter(size).split_text(span):
        at = span.index(piece, cursor)
        cursor = at + len(piece)
        # A fragment (a question line, a lead-in ending in a colon) belongs with what follows it.
        if out and out[-1][1] - out[-1][0] < MIN_PIECE_CHARS:
            out[-1] = (out[-1][0], cursor)
        else:
            out.append((at, cursor))
    if len(out) > 1 and out[-1][1] - out[-1][0] < MIN_PIECE_CHARS:
        last = out.pop()
        out[-1] = (out[-1][0], last[1])
    return [part for piece in out for part in _hard_split(piece)]


# A run of text with no sentence mark or line break (a table dump, a one-line file) would
# otherwise stay one piece of any length; past this it is cut by length.
HARD_MAX_PIECE_CHARS = 2 * MAX_UNIT_CHARS


def _hard_split(piece: tuple[int, int]) -> list[tuple[int, int]]:
    start, end = piece
    if end - start <= HARD_MAX_PIECE_CHARS:
        return [piece]
    n = -(-(end - start) // TARGET_PIECE_CHARS)
    size = -(-(end - start) // n)
    return [(at, min(end, at + size)) for at in range(start, end, size)]


def chunk_document(doc: Document) -> list[Chunk]:
    chunks: list[Chunk] = []
    used: dict[str, int] = {}
    for unit in _units(doc):
        base = ".".join(key for key, _ in unit.path) or "body"
        used[base] = used.get(base, 0) + 1
        unit_id = base if used[base] == 1 else f"{base}/{used[base]}"
        section = SECTION_SEP.join(heading for _, heading in unit.path)
        context = section
        # The shipped documents come with curated metadata and their index is fixed by their
        # evaluation; added documents get their title in every chunk's context and a header
        # read from their text where the admin gave none.
        if doc.authority not in SHIPPED_AUTHORITIES:
            # Once several documents are loaded, a clause of an added one is asked about by the
            # document's name ("条例第四十二条", "省方案的文号"): its title is part of its context.
            context = f"{doc.title}{SECTION_SEP}{section}"
        if unit.path and unit.path[0][0] == "front":
            context = f"{section}\n{document_header(doc)}"
        elif unit.path and unit.path[0][0] == "sign":
            # What a signature block is, in the words people ask for it with: it holds no sentence.
            context = f"{context}\n{SIGNATURE_CONTEXT}"
        span = doc.text[unit.start : unit.end]
        pieces = _pieces(span)
        for n, (a, b) in enumerate(pieces, start=1):
            start, end = unit.start + a, unit.start + b
            chunk_id = f"{doc.doc_id}:{unit_id}" + (f"~{n}" if len(pieces) > 1 else "")
            chunks.append(
                Chunk(
                    chunk_id=chunk_id,
                    doc_id=doc.doc_id,
                    doc_title=doc.title,
                    authority=doc.authority,
                    section=section,
                    text=doc.text[start:end],
                    start=start,
                    end=end,
                    page=doc.page_at(start),
                    ocr=doc.is_ocr_page(doc.page_at(start)),
                    superseded=doc.superseded,
                    context=context,
                )
            )
    return chunks



def document_header(doc: Document) -> str:
    """The document's own metadata in words, so "who issued it / when / which number" finds its head."""
    issuer, number, date = doc.issuer, doc.number, doc.date
    if doc.authority not in SHIPPED_AUTHORITIES:
        facts = header_facts(doc.text)
        issuer = issuer or getattr(first_fact(facts, "issuer"), "value", "")
        number = number or getattr(first_fact(facts, "number"), "value", "")
        date = date or getattr(first_fact(facts, "date"), "value", "")
    parts = [doc.title]
    if issuer:
        parts.append(f"发文机关（联合印发部门）：{issuer}")
    if number:
        parts.append(f"文号：{number}")
    if date:
        parts.append(f"印发日期：{date}")
    return "；".join(parts)


def chunk_corpus(documents: list[Document]) -> list[Chunk]:
    return [chunk for doc in documents for chunk in chunk_document(doc)]
