"""Extractive answers: the one or two sentences of the best citation that answer the question.

No language model: the answer is always a verbatim span of a source clause, so it
cannot state anything the documents do not say. Dates, amounts and bodies stay
intact because sentences are never cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chunking import Chunk, sentence_spans
from .lexical import ChineseTokenizer

_DATE = re.compile(r"\d{4}年(\d{1,2}月)?(\d{1,2}日|底|前)?|\d{1,2}月\d{1,2}日|\d{1,2}月底")
_NUMBER = re.compile(r"\d+(\.\d+)?\s*(万|亿|个|家|人|年|项|类|%|倍|次)|[一二三四五六七八九十两]+(个|类|年|项|大)")
_BODY = re.compile(r"部|厅|局|委|政府|部门|城市|机构|联|企业|高校|院所|主体")
_LEAD = re.compile(r"^(答[：:]|（[一二三四五六七八九十]+）[^。]{0,20}。)")

Q_DEADLINE = re.compile(r"什么时候|何时|截止|期限|日期|哪天|几月|哪一天|之前|时间节点|哪年|deadline|\bwhen\b|\bdue\b|\bdate\b", re.I)
Q_DAY = re.compile(r"哪天|几号|哪一天|几月几[日号]|日期|具体时间|\bdate\b|which day", re.I)
_DAY = re.compile(r"\d{1,2}月\d{1,2}日")
Q_WHO = re.compile(r"谁|哪个部门|哪些部门|哪一级|哪级|哪里|哪个单位|由哪|\bwho\b|which (department|ministr|bod)|responsible", re.I)
Q_NUMBER = re.compile(r"多少|几个|几年|几家|多长|多久|几类|几项|哪[五四三]|\bhow (many|much|long)\b", re.I)


@dataclass(frozen=True)
class Extract:
    text: str
    chunk_id: str
    doc_id: str
    start: int  # offsets into the source document
    end: int


_ASKED_UNIT = re.compile(r"(?:多少|几)\s*([个家年人天项类条所万亿])")


def _has_asked_number(question: str, sentence: str) -> bool:
    """A count in the unit the question asks for (多少个 → N个); a year is not a count."""
    unit = _ASKED_UNIT.search(question)
    if unit:
        u = unit.group(1)
        if u == "年":
            return bool(re.search(r"(?<!\d)\d{1,2}\s*年|[一二三四五两]年|\d{4}\s*[至到-]\s*\d{4}", sentence))
        return bool(re.search(rf"\d+(\.\d+)?\s*万?{u}|[一二三四五六七八九十两]+{u}", sentence))
    return bool(re.search(r"\d+(\.\d+)?\s*(万|亿|个|家|人|项|类|%|倍|次)", sentence))


def _score(sentence: str, tokens: dict[str, float], question: str, tokenizer: ChineseTokenizer) -> float:
    words = set(tokenizer.tokenize_cached(sentence))
    score = sum(w for t, w in tokens.items() if t in words or (len(t) > 1 and t in sentence))
    if Q_DEADLINE.search(question) and _DATE.search(sentence):
        score += 6
        if Q_DAY.search(question) and _DAY.search(sentence):
            score += 4  # asked for the day, and this sentence names it
    if Q_NUMBER.search(question) and _has_asked_number(question, sentence):
        score += 4
    if Q_WHO.search(question) and _BODY.search(sentence):
        score += 2
    if sentence.rstrip().endswith(("？", "?")):
        score -= 8  # a restated question is not an answer
    if len(sentence) < 12:
        score -= 3  # a bare heading
    return score


# How much a sentence from a lower-ranked citation must beat the top citation's best.
RANK_PENALTY = (0.0, 3.0, 5.0)


def extract_answer(
    question: str, token_weights: dict[str, float], chunks: list[Chunk], tokenizer: ChineseTokenizer
) -> Extract:
    """The best sentence among the first citations, preferring the first citation.

    A lower-ranked citation wins only when its sentence is clearly better (it holds the
    date, number or body the question asks for, or much more of its wording).
    """
    tokens = token_weights
    best: tuple[float, int, int, Chunk, list[tuple[int, int]]] | None = None
    for rank, chunk in enumerate(chunks[: len(RANK_PENALTY)]):
        spans = [_after_question(chunk, a, b) for a, b in sentence_spans(chunk)]
        for i, (a, b) in enumerate(spans):
            sentence = chunk.text[a - chunk.start : b - chunk.start]
            score = _score(sentence, tokens, question, tokenizer) - RANK_PENALTY[rank]
            if best is None or score > best[0]:
                best = (score, -rank * 1000 - i, i, chunk, spans)
    if best is None:
        chunk = chunks[0]
        return Extract(chunk.text, chunk.chunk_id, chunk.doc_id, chunk.start, chunk.end)
    _, _, i, chunk, spans = best
    offset = chunk.start
    a, b = spans[i]
    # A short sentence (a lead-in, a heading) reads better with the one after it.
    if b - a < 40 and i + 1 < len(spans):
        b = spans[i + 1][1]
    text = chunk.text[a - offset : b - offset].strip()
    lead = _LEAD.match(text)
    if lead and len(text) - lead.end() >= 12:
        a += lead.end()
        text = text[lead.end() :]
    return Extract(text.strip(), chunk.chunk_id, chunk.doc_id, a, b)


_RESTATED = re.compile(r"^[^。！？]*？\s*(?:答[：:])?\s*")


def _after_question(chunk: Chunk, a: int, b: int) -> tuple[int, int]:
    """An interpretation's "问…？ 答：…" run as one span: keep the answer, not the restated question."""
    sentence = chunk.text[a - chunk.start : b - chunk.start]
    m = _RESTATED.match(sentence)
    if m and m.end() < len(sentence.rstrip()) - 1:
        return a + m.end(), b
    return a, b
