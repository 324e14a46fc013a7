"""Deciding when the documents do not answer a question — from what was retrieved, not from the question alone.

Signals, all cheap:
- **vocabulary**: the share of the question's meaning-bearing words (jieba's precise cut
  with parts of speech, nouns weighted up) that the corpus uses, directly or through the
  lexicons of retrieval/terms.py (词林 synonyms; CC-CEDICT for English). The words it does
  not use are kept: they are what the documents do not speak about (租金, 营业执照 …).
- **asked detail**: a question that asks for an amount of money, a rate or a size is
  answerable only if a retrieved clause states one (retrieval/asked.py).
- **similarity**: the best clause's dense score takes part when the vocabulary signal is
  in a grey band, in both languages.
The thresholds are read off the tuning sets (eval/tune.jsonl, eval/calibration.jsonl and
the shared dev set); README gives them beside the frozen held-out figures.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, field

from .asked import (
    ASKED_LABEL_EN,
    ASKED_LABEL_ZH,
    Asked,
    asked,
    chinese_focus,
    english_focus,
    gives,
    kind_phrase,
    must_state,
    names_kind,
)
from .index_store import SearchIndex
from .lexical import ChineseTokenizer
from .search import SearchResult
from .terms import TermBridge, is_adverb_of, is_mostly_verb
from .text import split_sentences

NOUN_WEIGHT = 3.0
# A long compound the corpus knows (灵活就业人员) should not outweigh the short word it does not (社保).
MAX_WORD_WEIGHT = 4
# The same for English, in letters: "hr service agencies" (a glossary phrase) must not outweigh "rent".
MAX_PHRASE_WEIGHT_EN = 9
# Parts of speech that name a topic (jieba's tags): nouns, names, idioms, abbreviations, verbal nouns.
_TOPIC_POS = ("n", "l", "j", "i", "vn", "nz", "ns", "nt", "nr")
# Places only: jieba tags person names too eagerly (黑客 is "nr") and organisation
# abbreviations (人社局, "nt") are the documents' own bodies written short.
_NAME_POS = ("ns",)
# Words of the question echoed in an explanation: plain words only, so a question cannot make
# the page say anything else (a link, a phone number, markup).
_ECHO = re.compile(r"^(?:[\u4e00-\u9fff]{1,8}|[a-z][a-z\-]{0,19})$")
# "我们是苏州的企业…": a question about the asker's own place is still a question about the policy.
_SELF_EN = re.compile(r"\b(?:we|we're|us|our|i|i'm|my)\b", re.I)
_SELF = re.compile(r"我们|我司|我市|我省|本市|本省|咱|我是|我在")
# Words for the documents themselves ("文件里对这些人有啥说法", "the notice talks about"): a decline
# does not say "文件提到了文件".
_THE_DOCUMENTS = frozenset("文件 通知 政策 原文 解读 导读 document documents notice policy".split())
_QUESTION_WORD = re.compile(r"怎么|什么|多少|哪|啥|咋|几")
# Clauses whose text counts as "retrieved" for the vocabulary signal.
RETRIEVED_DEPTH = 5
# Citations read for the asked detail.
DETAIL_DEPTH = 5


@dataclass(frozen=True)
class Vocabulary:
    """How much of the question the corpus speaks about, and the words it does not."""

    coverage: float
    known: tuple[str, ...]
    unknown: tuple[str, ...]  # topic words the corpus never uses, most weighty first
    # Places the corpus never names (苏州, 深圳 …): asking about one asks for local detail the
    # documents cannot hold.
    unknown_names: tuple[str, ...] = ()
    # Words the corpus does not use that name the kind of value asked for ("deadline", "timeline"):
    # not counted as topics; a retrieved clause must state such a value instead.
    value_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    answerable: bool
    reason: str  # machine-readable: "answerable", "no-match", "off-topic", "detail-missing"
    explanation_zh: str = ""
    explanation_en: str = ""
    signals: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AbstentionPolicy:
    # Above this vocabulary coverage (more than half) the question is on the documents' topic.
    min_coverage: float = 0.5
    # Between grey_coverage and min_coverage, the best clause must also be close in meaning.
    grey_coverage: float = 0.25
    grey_min_dense: float = 0.88
    # English: the share of content words the lexicons carry into the corpus's terms.
    min_coverage_en: float = 0.45
    grey_coverage_en: float = 0.4
    grey_min_dense_en: float = 0.88


def _english_names(question: str, unknown: tuple[str, ...]) -> tuple[str, ...]:
    """Words the lexicons do not carry that the question capitalises after its first word: names
    of places and companies (Suzhou, Randstad) the documents never mention."""
    typed = re.findall(r"(?<=[a-z0-9,;:] )[A-Z][a-z]+\b", question)
    return tuple(dict.fromkeys(w for w in typed if w.lower() in unknown))


def _as_typed(phrase: str, question: str) -> str:
    """An English phrase as the question wrote it ("HR service", not "hr service"); still plain words."""
    m = re.search(rf"(?<![A-Za-z]){re.escape(phrase)}(?![A-Za-z])", question, re.I)
    typed = m.group(0) if m else phrase
    return typed if re.fullmatch(r"[A-Za-z][A-Za-z\- ]{0,39}", typed) else phrase


def _phrase_weight(phrase: str) -> float:
    """An English phrase's weight: its letters, capped; a word the dictionary mostly glosses as a
    verb ("send", "allow", "host") weighs a third, as a Chinese non-noun weighs a third of a noun:
    what a question asks about is named by its nouns."""
    weight = float(min(len(phrase), MAX_PHRASE_WEIGHT_EN))
    return weight / NOUN_WEIGHT if is_mostly_verb(phrase) else weight


def _carried(terms: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[float, float]:
    """(total, known) weight of English phrases: known when a lexicon carries them into the corpus's terms."""
    weights = [(_phrase_weight(p), bool(t)) for p, t in terms]
    return sum(w for w, _ in weights), sum(w for w, known in weights if known)


def _shown_topics(known: tuple[str, ...], n: int = 2) -> list[str]:
    """The first known topic words worth repeating to the asker: not one character (时, 里), nor a
    part of a word already shown (试点城市、试点; "pilot cities, pilot")."""
    shown: list[str] = []
    for w in known:
        if len(w) > 1 and not any(w in s or s in w for s in shown):
            shown.append(w)
    return shown[:n]


def _made_of(word: str, retrieved: str, vocab: Container[str]) -> bool:
    """Whether a compound the corpus does not use is made wholly of words the retrieved clauses use,
    two characters or more each (高级职称 → 高级 + 职称): a combination of the documents' own topics."""
    n = len(word)
    if n < 4:
        return False
    ends = {0}
    for i in range(n):
        if i in ends:
            for j in range(i + 2, n + 1):
                part = word[i:j]
                if part in vocab and part in retrieved:
                    ends.add(j)
    return n in ends


class Abstainer:
    """Owns every abstention signal for one index."""

    def __init__(self, index: SearchIndex, tokenizer: ChineseTokenizer, bridge: TermBridge, policy: AbstentionPolicy | None = None) -> None:
        self.index = index
        self.tokenizer = tokenizer
        self.bridge = bridge
        self.policy = policy or AbstentionPolicy()
        self._vocab = index.lexical.vocabulary

    def vocabulary(self, result: SearchResult, kind: Asked | None = None) -> Vocabulary:
        """`kind`: what the question asks for, when the caller has it already (default: read off the question)."""
        query = result.query
        if query.english:
            return self._english_vocabulary(result, kind if kind is not None else asked(query.normalized))
        words = query.content_words
        if not words:
            return Vocabulary(0.0, (), ())
        # Topic words must appear in the clauses that were retrieved, not just somewhere in the
        # corpus: the more documents an administrator adds, the more words the corpus knows, but
        # a clause about 材料 does not answer a question about 工伤.
        retrieved = "\n".join(h.chunk.search_text.lower() for h in result.hits[:RETRIEVED_DEPTH])
        total = known_w = 0.0
        known, unknown, names = [], [], []
        for word, pos in words:
            # 怎么回事, 什么意思: a question's own idiom asks, it names no topic.
            topic = pos.startswith(_TOPIC_POS) and pos not in ("v", "vd") and not _QUESTION_WORD.search(word)
            weight = min(len(word), MAX_WORD_WEIGHT) * (NOUN_WEIGHT if topic else 1.0)
            total += weight
            # A verb's translations are too many to say it is the documents' word (告诉 "to tell"
            # would be 通知 "to inform"); a noun's name a thing.
            forms = (word, *self.bridge.chinese(word, translated=topic), *self.bridge.parts(word))
            if topic:
                hit = any(f in retrieved for f in forms) or _made_of(word, retrieved, self._vocab)
            else:
                hit = any(f in self._vocab for f in forms) or word in retrieved
            if hit:
                known_w += weight
                if topic:
                    known.append(word)
            elif topic and _ECHO.match(word):
                unknown.append(word)
                # A compound of known names (东中西部 → 西部) is not a new place.
                if pos in _NAME_POS and not any(t in self._vocab for t in self.tokenizer.tokenize(word) if len(t) > 1):
                    names.append(word)
        # Latin words inside a Chinese question (AI, HR …) count through their translations.
        latin_total, latin_known = _carried(result.query.english_terms)
        total += latin_total
        known_w += latin_known
        return Vocabulary(
            known_w / total, tuple(known), tuple(sorted(unknown, key=len, reverse=True)), tuple(names)
        )

    def _english_vocabulary(self, result: SearchResult, kind: Asked) -> Vocabulary:
        # English words count when a lexicon carries them into the corpus's terms at all: asking
        # the retrieved clauses to hold the translation too declined 4 more answerable tuning questions.
        # An -ly adverb the corpus has no word for says how, not what: it is left out, as Chinese
        # adverbs weigh little.
        terms = tuple((p, t) for p, t in result.query.english_terms if t or not is_adverb_of(p))
        values = tuple(p for p, t in terms if not t and names_kind(p, kind))
        terms = tuple((p, t) for p, t in terms if p not in values)
        if not terms:
            return Vocabulary(0.0, (), (), (), values)
        total, known = _carried(terms)
        unknown = tuple(p for p, t in terms if not t and _ECHO.match(p))
        known_words = tuple(p for p, t in terms if t)
        return Vocabulary(known / total, known_words, unknown, _english_names(result.query.original, unknown), values)

    @staticmethod
    def _mentioned(result: SearchResult, kind: Asked, vocab: Vocabulary) -> tuple[str, str]:
        """The topics a decline says the documents mention (Chinese, English): the question's words
        they use, but not the words naming the missing value ("phone number": "The documents mention
        pilot scheme, number…" read as if they gave one), nor the documents themselves (文件), nor an
        English verb ("set up", "lists"): the topics are its nouns, as in Chinese."""
        naming = set(kind_phrase(kind, result.query.normalized).split())
        english = result.query.english
        shown = _shown_topics(
            tuple(
                w
                for w in vocab.known
                if w.lower() not in naming and w.lower() not in _THE_DOCUMENTS and not (english and is_mostly_verb(w))
            )
        )
        original = result.query.original
        return "、".join(shown) or "相关内容", ", ".join(_as_typed(w, original) for w in shown) or "the topic"

    @staticmethod
    def _states_about(kind, topic: tuple[str, ...], result: SearchResult) -> bool:
        """Whether a sentence of the first clauses gives a value of the asked kind about the question's topic."""
        question = result.query.normalized
        for hit in result.hits[:DETAIL_DEPTH]:
            for sentence in split_sentences(hit.chunk.text):
                if gives(kind, question, sentence) and (not topic or any(t in sentence for t in topic)):
                    return True
        return False

    def decide(self, result: SearchResult) -> Decision:
        p = self.policy
        if not result.hits or result.hits[0].score <= 0:
            return Decision(False, "no-match", "没有找到相关条款。", "No clause matched.")
        kind = asked(result.query.normalized)
        vocab = self.vocabulary(result, kind)
        english = result.query.english
        signals = {
            "coverage": round(vocab.coverage, 3),
            "similarity": round(result.dense_top, 3),
            "asked": kind.value,
            "unknown": list(vocab.unknown),
        }
        original = result.query.original
        # The topic as the documents write it: an English question's words are matched through their translations.
        topic = (
            tuple(t for _, terms in result.query.english_terms for t in terms) if english else vocab.known
        )
        # "What rent do agencies pay in the park?", "评分权重分别是多少？": the thing asked for is a word
        # the documents never use, however many of the question's other words they do.
        if english:
            # Declining for a word the lexicons cannot carry (breakdown, partnerships) costs answerable
            # questions, but answering without it costs more: the rest of the question ("regional",
            # "pilot cities") then picks a clause that answers something else about half the time (README).
            focus = english_focus(result.query.normalized)
            focus = focus if focus in vocab.unknown else None
        else:
            focus = chinese_focus(result.query.normalized, vocab.unknown)
        if focus is not None:
            topic_zh, topic_en = self._mentioned(result, kind, vocab)
            return Decision(
                False,
                "detail-missing" if vocab.known else "off-topic",
                f"文件提到了{topic_zh}，但没有说明{'所问的内容' if english else focus}。",
                f"The documents mention {topic_en} but say nothing about {_as_typed(focus, result.query.original)}.",
                signals,
            )
        if (must_state(kind, result.query.normalized) or vocab.value_words) and not self._states_about(kind, topic, result):
            topic_zh, topic_en = self._mentioned(result, kind, vocab)
            return Decision(
                False,
                "detail-missing",
                f"文件提到了{topic_zh}，但没有说明{ASKED_LABEL_ZH[kind]}。",
                f"The documents mention {topic_en} but do not state {ASKED_LABEL_EN[kind]}.",
                signals,
            )
        describes_self = (_SELF_EN if english else _SELF).search(result.query.normalized)
        if vocab.unknown_names and not describes_self:
            names = "、".join(vocab.unknown_names)
            return Decision(
                False,
                # Related clauses are worth showing only when the rest of the question is the documents' topic.
                "detail-missing" if vocab.known else "off-topic",
                f"文件没有提到{names}，也没有列出具体地方的情况。",
                f"The documents do not mention {names}, nor any specific place or company.",
                signals,
            )
        lo, hi, dense_min = (
            (p.grey_coverage_en, p.min_coverage_en, p.grey_min_dense_en)
            if english
            else (p.grey_coverage, p.min_coverage, p.grey_min_dense)
        )
        cov = vocab.coverage
        if cov > hi or (cov >= lo and result.dense_used and result.dense_top >= dense_min):
            return Decision(True, "answerable", signals=signals)
        # A single character cut off a longer word (提示词 → 提示, 词) names nothing on its own.
        named = [w for w in vocab.unknown if len(w) > 1 or english] or list(vocab.unknown)
        missing = "、".join(named[:2])
        if vocab.known and missing:
            topic_zh, topic_en = self._mentioned(result, kind, vocab)
            zh = f"文件提到了{topic_zh}，但没有说明{missing}。"
            missing_en = ", ".join(_as_typed(w, original) for w in named[:2])
            en = f"The documents mention {topic_en} but say nothing about {missing_en}."
            reason = "detail-missing"
        else:
            zh, en, reason = "这几份文件没有涉及这个问题。", "These documents do not cover this question.", "off-topic"
        return Decision(False, reason, zh, en, signals)
