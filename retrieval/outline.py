"""An automatic overview of any document: its section tree, the bodies it names, its dates and
deadlines, and its header (文号, issuer, effective date) — each with the chunk and span it
was read from, so the overview cites like an answer does.

Read by patterns, not curated: the UI labels it "extracted automatically", as opposed to
the hand-checked facts of corpus/knowledge.yaml. The deadline extractor knows the forms
Chinese policy documents use: 2025年9月底前, 7月18日前, 2027年底, 2025至2027年,
2026年1月至2027年10月, 自2025年3月1日起施行, 自印发之日起施行, 每年3月, 为期三年.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass, field

from .chunking import SECTION_SEP, Chunk, chinese_number
from .doc_header import HeaderFact, first_fact, header_facts
from .documents import Document

_CN = "一二三四五六七八九十两〇零"


@dataclass(frozen=True)
class Cited:
    """Where something was read: the chunk, and the document offsets of the exact phrase."""

    chunk_id: str
    start: int
    end: int
    page: int | None = None


@dataclass(frozen=True)
class DatedItem:
    """One date, deadline, period, recurring date or duration a document states.

    kind: "deadline" (…前), "date" (an event on a day), "effective" (自…起施行),
    "period" (start–end), "recurring" (每年X月) or "duration" (为期三年).
    `start`/`end` are ISO dates (YYYY-MM-DD); empty when the phrase has none (recurring,
    duration, 自印发之日 without a known issue date).
    """

    kind: str
    phrase: str
    start: str
    end: str
    sentence: str
    section: str
    cited: Cited

    @property
    def date(self) -> str:
        return self.end or self.start


@dataclass(frozen=True)
class Body:
    name: str
    mentions: int
    first: Cited


@dataclass(frozen=True)
class SectionNode:
    heading: str
    level: int  # 0 for the top
    chunk_id: str  # the first chunk under this heading
    children: tuple[SectionNode, ...] = ()


@dataclass(frozen=True)
class Outline:
    doc_id: str
    title: str
    sections: tuple[SectionNode, ...]
    bodies: tuple[Body, ...]
    dates: tuple[DatedItem, ...]
    header: tuple[tuple[HeaderFact, Cited | None], ...] = field(default_factory=tuple)


# ---- dates ---------------------------------------------------------------------------

_NUMERAL = rf"(?:\d{{1,2}}|[{_CN}]{{1,3}})"
_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("effective", re.compile(r"自(?:(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日|(?P<rel>印发|公布|发布)之日)起(?:施行|执行|实施|生效)")),
    ("period_month", re.compile(r"(?P<y1>\d{4})年(?P<m1>\d{1,2})月(?:至|到|—|–|-|~)(?P<y2>\d{4})年(?P<m2>\d{1,2})月")),
    ("period_year", re.compile(r"(?P<y1>\d{4})年?(?:至|到|—|–|-|~)(?P<y2>\d{4})年(?!\d{0,2}月)")),
    ("day", re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?P<before>以前|之前|前)?")),
    ("month_end", re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?:底|末|份)(?P<before>以前|之前|前)?")),
    ("year_end", re.compile(r"(?P<y>\d{4})年(?:年)?(?:底|末)(?P<before>以前|之前|前)?")),
    ("recurring", re.compile(rf"每年(?:的)?(?P<m>\d{{1,2}}|[{_CN}]{{1,2}})月(?:(?P<d>\d{{1,2}})日)?(?P<tail>底|末|上旬|中旬|下旬)?(?P<before>以前|之前|前)?")),
    ("duration", re.compile(rf"为期(?P<n>{_NUMERAL})(?P<unit>年|个月|个工作日|日|天)")),
    # Month and day without a year: the year comes from the sentence or the document.
    ("day_no_year", re.compile(r"(?<![\d年])(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?P<before>以前|之前|前)?")),
    ("month_end_no_year", re.compile(r"(?<![\d年])(?P<m>\d{1,2})月(?:底|末)(?P<before>以前|之前|前)?")),
]
_SENT_RE = re.compile(r"[^。！？；\n]+[。！？；]?")


def _iso(y: int, m: int, d: int) -> str:
    return f"{y:04d}-{m:02d}-{d:02d}"


def _month_end(y: int, m: int) -> str:
    return _iso(y, m, calendar.monthrange(y, m)[1])


def _valid(y: int, m: int, d: int = 1) -> bool:
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1] and 1900 < y < 2200


def _context_year(text: str, at: int, fallback: int | None) -> int | None:
    """The last year named before `at` in the same chunk (2025年7月18日前 … 9月底前), else the document's."""
    years = re.findall(r"(\d{4})年", text[:at])
    return int(years[-1]) if years else fallback


def _doc_year(doc: Document) -> int | None:
    if doc.date[:4].isdigit():
        return int(doc.date[:4])
    date = first_fact(header_facts(doc.text), "date")
    return int(date.value[:4]) if date else None


def _issue_date(doc: Document) -> str:
    if doc.date:
        return doc.date
    date = first_fact(header_facts(doc.text), "date")
    m = re.match(r"(\d{4})年(\d{1,2})月(\d{1,2})日", date.value) if date else None
    return _iso(*map(int, m.groups())) if m else ""


def _dated(kind: str, m: re.Match, text: str, doc: Document, year: int | None) -> tuple[str, str, str] | None:
    """(kind, start, end) for a match, or None when it is not a usable date."""
    g = m.groupdict()
    before = bool(g.get("before"))
    if kind == "effective":
        if g["y"]:
            y, mo, d = int(g["y"]), int(g["m"]), int(g["d"])
            return ("effective", _iso(y, mo, d), "") if _valid(y, mo, d) else None
        return "effective", _issue_date(doc), ""
    if kind == "period_month":
        y1, m1, y2, m2 = (int(g[k]) for k in ("y1", "m1", "y2", "m2"))
        if _valid(y1, m1) and _valid(y2, m2):
            return "period", _iso(y1, m1, 1), _month_end(y2, m2)
        return None
    if kind == "period_year":
        y1, y2 = int(g["y1"]), int(g["y2"])
        return ("period", _iso(y1, 1, 1), _iso(y2, 12, 31)) if 1900 < y1 <= y2 < 2200 else None
    if kind in ("day", "day_no_year"):
        y = int(g["y"]) if g.get("y") else _context_year(text, m.start(), year)
        mo, d = int(g["m"]), int(g["d"])
        if y is None or not _valid(y, mo, d):
            return None
        return ("deadline" if before else "date"), "", _iso(y, mo, d)
    if kind in ("month_end", "month_end_no_year"):
        y = int(g["y"]) if g.get("y") else _context_year(text, m.start(), year)
        mo = int(g["m"])
        if y is None or not _valid(y, mo):
            return None
        return ("deadline" if before else "date"), "", _month_end(y, mo)
    if kind == "year_end":
        y = int(g["y"])
        return ("deadline" if before else "date"), "", _iso(y, 12, 31)
    if kind == "recurring":
        mo = chinese_number(g["m"])
        return ("recurring", "", "") if 1 <= mo <= 12 else None
    if kind == "duration":
        return "duration", "", ""
    return None


def extract_dates(doc: Document, chunks: list[Chunk]) -> list[DatedItem]:
    """Every date, deadline, period, recurring date and duration in the document's chunks, in order."""
    year = _doc_year(doc)
    out: list[DatedItem] = []
    for chunk in chunks:
        text = chunk.text
        taken: list[tuple[int, int]] = []
        found: list[tuple[int, int, str, str, str]] = []
        for kind, pattern in _PATTERNS:
            for m in pattern.finditer(text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue  # part of a phrase already read (the 9月30日 inside 2025年9月30日)
                dated = _dated(kind, m, text, doc, year)
                if dated is None:
                    continue
                taken.append((m.start(), m.end()))
                found.append((m.start(), m.end(), *dated))
        for a, b, kind, start, end in sorted(found):
            sentence = next(
                (s.group(0).strip() for s in _SENT_RE.finditer(text) if s.start() <= a < s.end()), text[a:b]
            )
            out.append(
                DatedItem(
                    kind=kind,
                    phrase=text[a:b],
                    start=start,
                    end=end,
                    sentence=sentence,
                    section=chunk.section,
                    cited=Cited(chunk.chunk_id, chunk.start + a, chunk.start + b, chunk.page),
                )
            )
    return out


# ---- bodies --------------------------------------------------------------------------

# A body's name runs from a clause boundary (punctuation, or a word like 由/向/会同) to an
# institutional suffix; 部门 ("department", generic) and 部分 are not bodies.
_BOUNDARY_RE = re.compile(
    r"[，。；：、（）()《》“”‘’\s]|的|由|向|会同|联合|及|或|对|经|请|是指|要求|组织|指导|负责|牵头|报送|报|按照|根据|是|贯彻落实|坚持|依托|覆盖"
)
_BODY_RE = re.compile(
    r"^((?:全国|国家|国务院|省级|市级|县级|[省市区县])?[\u4e00-\u9fff]{1,16}?"
    r"(?:人民代表大会常务委员会|常务委员会|委员会|办公室|人民政府|工商联|联合会|行业协会|协会|部|厅|局))(?![门分类属级长署件位队落])"
)
_NOT_BODIES = {"各省", "有关部", "相关部", "本部", "全部", "内部", "外部", "局部", "东部", "中部", "西部", "北部", "南部", "干部", "头部", "结局", "格局", "布局", "大局", "全局"}


def extract_bodies(chunks: list[Chunk]) -> list[Body]:
    """The organisations a document names, most mentioned first, each cited at its first mention."""
    counts: Counter[str] = Counter()
    first: dict[str, Cited] = {}
    for chunk in chunks:
        text = chunk.text
        # From every clause boundary, the shortest name ending at each place (not "按照人社部").
        by_end: dict[int, int] = {}
        for s in [0] + [m.end() for m in _BOUNDARY_RE.finditer(text)]:
            if m := _BODY_RE.match(text[s : s + 40]):
                end = s + m.end(1)
                by_end[end] = max(by_end.get(end, s), s)
        for end, s in sorted(by_end.items()):
            name = text[s:end]
            if name in _NOT_BODIES or len(name) < 3 or re.search(r"\d|[东西南北中]部$|[格布结大全开]局$", name):
                continue
            counts[name] += 1
            first.setdefault(name, Cited(chunk.chunk_id, chunk.start + s, chunk.start + end, chunk.page))
    return [Body(name, n, first[name]) for name, n in counts.most_common()]


# ---- sections and header ---------------------------------------------------------------


def section_tree(chunks: list[Chunk]) -> list[SectionNode]:
    """The heading tree, each heading pointing at the first chunk under it."""

    @dataclass
    class _Node:
        heading: str
        level: int
        chunk_id: str
        children: list = field(default_factory=list)

    roots: list[_Node] = []
    index: dict[tuple[str, ...], _Node] = {}
    for chunk in chunks:
        parts = tuple(p for p in chunk.section.split(SECTION_SEP) if p)
        for depth in range(1, len(parts) + 1):
            key = parts[:depth]
            if key in index:
                continue
            node = _Node(parts[depth - 1], depth - 1, chunk.chunk_id)
            index[key] = node
            (index[key[:-1]].children if depth > 1 else roots).append(node)

    def freeze(n: _Node) -> SectionNode:
        return SectionNode(n.heading, n.level, n.chunk_id, tuple(freeze(c) for c in n.children))

    return [freeze(n) for n in roots]


def _cite(chunks: list[Chunk], start: int, end: int) -> Cited | None:
    for c in chunks:
        if c.start <= start < c.end:
            return Cited(c.chunk_id, start, min(end, c.end), c.page)
    return None


def build_outline(doc: Document, chunks: list[Chunk]) -> Outline:
    """The automatic overview of one document, from its chunks (as indexed)."""
    chunks = [c for c in chunks if c.doc_id == doc.doc_id]
    header = tuple((f, _cite(chunks, f.start, f.end)) for f in header_facts(doc.text))
    return Outline(
        doc_id=doc.doc_id,
        title=doc.title,
        sections=tuple(section_tree(chunks)),
        bodies=tuple(extract_bodies(chunks)),
        dates=tuple(extract_dates(doc, chunks)),
        header=header,
    )


__all__ = [
    "Body",
    "Cited",
    "DatedItem",
    "Outline",
    "SectionNode",
    "build_outline",
    "extract_bodies",
    "extract_dates",
    "section_tree",
]
