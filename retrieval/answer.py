"""Extractive answers: the sentence of the first citations that answers the question.

No language model: the answer is always a verbatim span of a source clause, so it
cannot state anything the documents do not say. Dates, amounts and bodies stay
intact because a sentence is only ever cut between its comma clauses, and only when it
is long (retrieval/chunking.py, answer_spans).

A sentence is scored on three things, each on a 0–1 scale: the share of the question's
(idf-weighted) words it contains, how close it is in meaning to the question (its
sentence vector, when the index has them), and whether it holds the kind of value the
question asks for (retrieval/asked.py). A lower-ranked citation pays a small penalty, so
it wins only with a clearly better sentence; at equal strength the notice's own clause,
ranked first by search, is kept before a restatement of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .asked import Asked, asked, counted, counts, gives, is_yes_no, must_state
from .chunking import Chunk, answer_spans
from .lexical import ChineseTokenizer, LexicalIndex
from .query import PreparedQuery
from .text import has_cjk

_LEAD = re.compile(r"^(答[：:]|（[一二三四五六七八九十]+）[^。]{0,20}。)")
_DAY = re.compile(r"\d{1,2}月\d{1,2}日")
_Q_DAY = re.compile(r"哪天|几号|哪一天|几月几[日号]|日期|具体时间|\bdate\b|which day", re.I)
_Q_DEADLINE = re.compile(r"最晚|最迟|截止|期限|之前|以前|[天日号月]前|\bdeadline\b|\bby when\b|\bdue\b|\bcut-?off\b", re.I)
_DEADLINE = re.compile(r"(?:\d{1,2}月(?:\d{1,2}日)?|月底|年底|年|月|日)(?:底)?(?:前|之前|以前)|截止|\b(?:by|before)\b", re.I)
_RESTATED = re.compile(r"^[^。！？]*？\s*(?:答[：:])?\s*")
# How a document names itself ("本条例自…起施行") and how it names another one (《…》).
_SELF_NAME = re.compile(r"本(条例|办法|规定|细则|方案|通知|意见|决定|法)")
_CITED_TITLE = re.compile(r"《[^》]{2,60}》(?:\s*[（(][^）)]{0,30}〔\d{4}〕\s*\d+\s*号[）)])?")
# A question that asks for a document's name; otherwise its title line names it and says nothing.
_Q_TITLE = re.compile(r"标题|题目|名称|全称|叫什么|\btitle\b|\bname of\b|\bcalled\b", re.I)

# Weights of the three signals, and the penalty of citations 2 and 3 (read off the tuning sets).
LEXICAL_WEIGHT = 1.0
DENSE_WEIGHT = 8.0  # per unit of cosine similarity below the best candidate's (sentences differ by ~0–0.05)
ASKED_BONUS = 0.35
DAY_BONUS = 0.2
RANK_PENALTY = (0.0, 0.12, 0.2)
DETAIL_RANK_PENALTY = (0.25, 0.3)  # citations 4 and 5, read only for a figure that must be stated
# The same fact in the notice and in a restatement of it: quote the notice.
AUTHORITY_PENALTY = {"official interpretation": 0.2, "commentary": 0.3}
SHORT_PENALTY = 0.3
# A yes/no question is answered with its deciding clause whole when the clause is this short.
WHOLE_RULE_CHARS = 160

SentenceSimilarity = Callable[[Chunk, int, int], float | None]


@dataclass(frozen=True)
class Term:
    """One word of the question, in the forms a sentence may hold it, and what it weighs."""

    forms: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class Extract:
    text: str
    chunk_id: str
    doc_id: str
    start: int  # offsets into the source document
    end: int


def _after_question(chunk: Chunk, a: int, b: int) -> tuple[int, int]:
    """An interpretation's "问…？ 答：…" run as one span: keep the answer, not the restated question."""
    sentence = chunk.text[a - chunk.start : b - chunk.start]
    m = _RESTATED.match(sentence)
    if m and m.end() < len(sentence.rstrip()) - 1:
        return a + m.end(), b
    return a, b


def _same_sentence(chunk: Chunk, end: int, next_start: int) -> bool:
    """Whether a span ending at `end` and the next one are windows of one sentence."""
    gap = chunk.text[end - chunk.start - 1 : next_start - chunk.start]
    return next_start == end and not any(c in gap for c in "。！？；!?;\n")


def answer_terms(query: PreparedQuery, lexical: LexicalIndex) -> list[Term]:
    """The question's words, weighted by length × idf (rare words say more about which sentence answers).

    jieba's search mode also emits the parts of a compound (试点工作 → 试点, 工作): the compound
    counts once, or common compounds outweigh the one rare word the question is about. An
    English word counts once too, whichever of its translations a sentence uses ("regulation"
    → 监管 / 规定 / 条例), and weighs what its most common translation weighs; the English
    word itself, which no Chinese sentence holds, does not count.
    """
    def weight(tok: str) -> float:
        return len(tok) * lexical.idf(tok)

    translated = {t for _, forms in query.english_terms for t in forms}
    renamed = {t for _, forms in query.same_words for t in forms}
    tokens = set(query.tokens) - renamed
    whole = [t for t in tokens if not any(t != u and t in u for u in tokens)]
    terms = [Term((t,), weight(t)) for t in whole if has_cjk(t) and t not in translated]
    # 人社部 and 人力资源社会保障部 are one word of the question, weighed as the question wrote it;
    # so are 评职称 and the corpus's 职称, but a word the corpus lacks weighs what the term standing
    # for it weighs (公司 → 企业, a common one).
    same, near = dict(query.same_words), dict(query.near_words)

    def with_own_names(term: Term) -> Term:
        word = term.forms[0]
        forms = tuple(dict.fromkeys(term.forms + same.get(word, ()) + near.get(word, ())))
        if word in near:
            return Term(forms, min(term.weight, max(weight(f) for f in near[word])))
        return Term(forms, term.weight)

    terms = [with_own_names(t) for t in terms]
    terms += [Term((t,), weight(t)) for t in whole if not has_cjk(t) and t in lexical.vocabulary]
    senses = dict(query.senses)
    for word, forms in query.english_terms:
        forms = tuple(forms) + senses.get(word, ())
        if forms:
            terms.append(Term(forms, min(weight(t) for t in forms)))
    return terms


def counted_forms(query: PreparedQuery) -> tuple[str, ...]:
    """The corpus's words for what a "how many" question counts: as written (试点城市), and the
    translations of its English words ("pilot cities" → 试点城市, 城市)."""
    words = counted(query.normalized)
    if not query.english:
        return words
    return tuple(dict.fromkeys(t for phrase, forms in query.english_terms if set(phrase.split()) <= set(words) for t in forms))


def _as_matched(sentence: str, own_title: str | None) -> str:
    """The sentence as it speaks of documents: "本条例" is the document's own title, and a 《title》
    it cites (with the number after it) is another document, whose words say nothing about this one.

    "本条例自2025年3月1日起施行。2012年5月1日起施行的《某省人才市场管理条例》同时废止。": asked
    when 某省人力资源市场条例 takes effect, the first sentence answers, though the second shares
    more of the question's words.
    """
    if not own_title:
        return sentence
    own = own_title.strip("《》")
    out = _CITED_TITLE.sub(lambda m: m.group(0) if own in m.group(0) else "《》", sentence)
    m = _SELF_NAME.search(out)
    if m and own.endswith(m.group(1)):
        out = f"{out} {own}"
    return out


def _is_title_line(sentence: str, chunk: Chunk) -> bool:
    title = (chunk.doc_title or "").strip("《》 ")
    return bool(title) and sentence.strip().startswith(title)


def extract_answer(
    question: str,
    terms: list[Term],
    chunks: list[Chunk],
    tokenizer: ChineseTokenizer,
    similarity: SentenceSimilarity | None = None,
    counted_terms: tuple[str, ...] = (),
    named_documents: frozenset[str] = frozenset(),
) -> Extract:
    """The best sentence among the first citations, preferring the first citation.

    `named_documents`: doc_ids the question names ("导读里说…"): their sentences pay no authority
    penalty, since the asker wants what that document says."""
    total = sum(t.weight for t in terms) or 1.0
    kind = asked(question)
    candidates: list[tuple[int, Chunk, list[tuple[int, int]], int, str, float | None]] = []
    # A figure that must be stated may sit in citation 4 or 5 (abstention read that far to find it).
    figure = must_state(kind, question)
    penalties = RANK_PENALTY + DETAIL_RANK_PENALTY if figure else RANK_PENALTY
    for rank, chunk in enumerate(chunks[: len(penalties)]):
        original = answer_spans(chunk)
        spans = [_after_question(chunk, a, b) for a, b in original]
        for i, (a, b) in enumerate(spans):
            sentence = chunk.text[a - chunk.start : b - chunk.start]
            if sentence.rstrip().endswith(("？", "?")):
                continue  # a restated question is never an answer
            sim = similarity(chunk, *original[i]) if similarity is not None else None
            candidates.append((rank, chunk, spans, i, sentence, sim))
    if not candidates:
        chunk = chunks[0]
        return Extract(chunk.text, chunk.chunk_id, chunk.doc_id, chunk.start, chunk.end)
    if figure:
        # Only a sentence that gives the figure can answer "how many", "how much": one that
        # merely shares the question's words ("…择优确定试点城市") does not, however many it shares;
        # and a count answers only if it counts what was asked (39个试点城市, not 四个关键阶段).
        giving = [c for c in candidates if gives(kind, question, c[4])]
        if kind is Asked.COUNT and counted_terms:
            giving = [c for c in giving if counts(counted_terms, c[4])] or giving
        candidates = giving or candidates
    sims = [c[5] for c in candidates if c[5] is not None]
    best_sim = max(sims) if sims else 0.0
    names_only = kind is not Asked.REFERENCE and not _Q_TITLE.search(question)
    deadline = kind is Asked.DATE and bool(_Q_DEADLINE.search(question))

    def score(cand) -> float:
        rank, chunk, _, _, sentence, sim = cand
        matched = _as_matched(sentence, chunk.doc_title)
        words = set(tokenizer.tokenize_cached(matched))
        present = [t.weight for t in terms if any(f in words or (len(f) > 1 and f in matched) for f in t.forms)]
        lexical = sum(present) / total
        value = LEXICAL_WEIGHT * lexical - penalties[rank]
        if chunk.doc_id not in named_documents:
            value -= AUTHORITY_PENALTY.get(chunk.authority, 0.0)
        if sim is not None:
            value += DENSE_WEIGHT * (sim - best_sim)
        # A deadline asked for ("最晚哪天前交", "by when") is a date something must happen before
        # ("2027年12月底前"); a date on its own (the signature's 2025年5月16日) is not one.
        dated = not deadline or _DEADLINE.search(sentence)
        if kind is not Asked.OTHER and gives(kind, question, sentence) and dated:
            value += ASKED_BONUS
        if kind is Asked.DATE and _Q_DAY.search(question) and _DAY.search(sentence) and dated:
            value += DAY_BONUS  # asked for the day, and this sentence names it
        if len(sentence) < 12 or (names_only and _is_title_line(sentence, chunk)):
            value -= SHORT_PENALTY  # a bare heading, or the document's title: they state nothing
        return value

    best = max(candidates, key=lambda c: (score(c), -c[0], -c[3]))
    _, chunk, spans, i, _, _ = best
    offset = chunk.start
    a, b = spans[i]
    # A short sentence (a lead-in, a heading) reads better with the one after it, and a clause
    # window of a long sentence with the window after it: what it lists often follows (组建…
    # 创新联合体，| 加强关键核心技术研发…).
    if i + 1 < len(spans) and (b - a < 40 or _same_sentence(chunk, b, spans[i + 1][0])):
        b = spans[i + 1][1]
    if is_yes_no(question) and chunk.end - chunk.start <= WHOLE_RULE_CHARS:
        # Yes or no is decided by the whole rule, not one sentence of it: "要先报人社部审批吗？"
        # is answered by 印发 and, in the next sentence, 报送省级有关部门备案.
        a, b = spans[0][0], spans[-1][1]
    text = chunk.text[a - offset : b - offset].strip()
    lead = _LEAD.match(text)
    if lead and len(text) - lead.end() >= 12:
        a += lead.end()
        text = text[lead.end() :]
    return Extract(text.strip(), chunk.chunk_id, chunk.doc_id, a, b)
