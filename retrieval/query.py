"""A question in the forms the retrievers and the abstention need."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # a standard list, not one grown for our questions

from .lexical import ChineseTokenizer, Glossary
from .terms import TermBridge
from .text import has_cjk, normalize_query

_LATIN_RE = re.compile(r"[A-Za-z]{2,}")
_EN_WORD_RE = re.compile(r"[a-z][a-z\-']*")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_CONTRACTION = re.compile(r"'(?:re|ve|ll|d|m)$")
MAX_SPAN = 6
SYNONYMS_PER_WORD = 2


@dataclass(frozen=True)
class PreparedQuery:
    original: str
    normalized: str  # NFKC, simplified script
    lexical_text: str  # Chinese text for BM25 (English phrases translated)
    # BM25 tokens. Chinese synonyms from 词林 are not added: on the tuning sets they cost
    # more ranking precision than they gained (they still count for abstention).
    tokens: tuple[str, ...]
    english: bool
    # English content words, each with the corpus terms it translates to (empty: none the corpus uses).
    english_terms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Other dictionary senses of the glossary's words: not searched, but they can name a document.
    senses: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # 词林 synonyms the corpus uses, of Chinese words it does not (假招聘's 假 → 虚假): embedded, not searched.
    synonyms: tuple[str, ...] = ()
    # (word, part of speech) of a Chinese question: jieba's precise cut, stopwords left out.
    content_words: tuple[tuple[str, str], ...] = ()
    # Per English word, the BM25 tokens of its translations: searched as one word (LexicalRetriever).
    token_groups: tuple[tuple[str, ...], ...] = ()
    # A Chinese word and the corpus's own name for it (省里 → 省级, 人社部 → 人力资源社会保障部): searched
    # too, and one word of the question, not two, when an answer sentence is weighed.
    same_words: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # A Chinese word the corpus does not use, and the corpus terms that stand for it: its 词林
    # synonyms and the term that makes up most of it (评职称 → 职称). Not searched; they count
    # when an answer sentence is weighed.
    near_words: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def dense_text(self) -> str:
        """What is embedded: an English question travels with the most direct translation of each
        of its words, since the small multilingual model matches English to Chinese clauses only
        loosely; a word's other senses ("regulation" → 规定, 规范, 章程) would blur the vector."""
        if not self.english:
            # A colloquial word travels with the corpus's synonyms of it, as English travels with
            # its translations (in BM25 they cost more precision than they gained), and so does the
            # corpus term that makes up most of a word it lacks (评职称 → 职称). An abbreviation's full
            # name is not added: the model knows 人社部, and 人力资源社会保障部 pulled every clause
            # naming the ministry ahead of the one that answered.
            extra = list(dict.fromkeys((*self.synonyms, *(forms[0] for _, forms in self.near_words))))
            return f"{self.normalized} {' '.join(extra)}" if extra else self.normalized
        direct = " ".join(terms[0] for _, terms in self.english_terms if terms)
        return f"{self.normalized} {direct}" if direct else self.normalized


class QueryPreparer:
    """Normalise, and translate English into the corpus's terms (glossary phrases, then CC-CEDICT)."""

    def __init__(
        self,
        tokenizer: ChineseTokenizer,
        glossary: Glossary,
        bridge: TermBridge | None,
        vocabulary: Mapping[str, int] | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.glossary = glossary
        self.bridge = bridge
        self.vocabulary = vocabulary or {}

    def english_words(self, normalized: str) -> list[str]:
        """Words, a hyphenated one as its parts ("end-of-programme", "shop-floor"): the lexicon
        knows the parts, and a two-word gloss ("shop floor") still joins them."""
        text = normalized.lower().replace("'s", "").replace("-", " ")
        return [w for w in _EN_WORD_RE.findall(text) if len(w) > 1]

    def is_content_word(self, word: str) -> bool:
        # A contraction is its function word: doesn't, isn't, can't; we're, they've, it'll, I'm.
        if word.endswith("n't"):
            return False
        word = _CONTRACTION.sub("", word)
        return word not in self.tokenizer.stopwords and word not in ENGLISH_STOP_WORDS

    def vocabulary_in(self, text: str) -> list[str]:
        """Index terms written inside the question across a place where jieba cut it.

        Colloquial text gets segmented differently from the policy's prose ("想外包给" →
        想外 / 包给, losing 外包); a 2–6 character span that straddles one of jieba's cuts
        and that the index knows as a term is searched too. A dictionary lookup per span,
        so the cost does not grow with the corpus.
        """
        found: list[str] = []
        for m in _CJK_RUN.finditer(text):
            run = m.group(0)
            cuts = self.tokenizer.cuts(run)
            for n in range(2, min(MAX_SPAN, len(run)) + 1):
                for i in range(len(run) - n + 1):
                    span = run[i : i + n]
                    if span in self.vocabulary and any(i < c < i + n for c in cuts):
                        found.append(span)
        return list(dict.fromkeys(found))

    def _other_senses(self, phrases: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Per single glossary word, its dictionary senses other than the glossary's own term.

        The glossary knows what a word means in the notice ("regulation" → 监管), and that sense
        is what is searched: the lexicon's other senses (规定, 规范, 章程 …) cost ranking
        precision. They still say which document a question names ("regulation" → 条例, an
        added law's title word), and which sentence of it answers.
        """
        if self.bridge is None:
            return ()
        words = [p for p in phrases if " " not in p]
        out = []
        for word, terms in self.bridge.english(words):
            own = self.glossary.translate(word)
            others = tuple(t for t in terms if t != own)
            if others:
                out.append((word, others))
        return tuple(out)

    def prepare(self, question: str) -> PreparedQuery:
        normalized = normalize_query(question)
        english = bool(_LATIN_RE.search(normalized)) and not has_cjk(normalized)
        lexical_text = normalized
        english_terms: tuple[tuple[str, tuple[str, ...]], ...] = ()
        senses: tuple[tuple[str, tuple[str, ...]], ...] = ()
        if _LATIN_RE.search(normalized):
            # The glossary knows the policy's multi-word phrases; the lexicon the rest.
            known = self.glossary.matched_text(normalized)
            rest = [w for w in self.english_words(normalized) if w not in known.split()]
            if self.bridge is not None:
                bridged = self.bridge.english(rest, self.is_content_word)
            else:
                bridged = [(w, ()) for w in rest if self.is_content_word(w)]
            phrases = self.glossary.phrases(normalized)
            english_terms = tuple([(m, (self.glossary.translate(m),)) for m in phrases] + bridged)
            senses = self._other_senses(phrases)
            translated = " ".join(t for _, terms in english_terms for t in terms)
            lexical_text = f"{normalized} {translated}"
        tokens = tuple(self.tokenizer.tokenize(lexical_text))
        tokens += tuple(t for t in self.vocabulary_in(normalized) if t not in tokens)
        # Tagged once here (jieba's part-of-speech pass is the costly step of preparing a question).
        content = () if english else tuple(self.tokenizer.content_words(normalized))
        # The corpus terms standing for each word the corpus does not use, looked up once: embedded
        # (the first two), and weighed with the word when an answer sentence is chosen.
        standing = (
            {w: self.bridge.chinese(w) for w, _ in content if w not in self.vocabulary} if self.bridge is not None else {}
        )
        synonyms = tuple(dict.fromkeys(t for terms in standing.values() for t in terms[:SYNONYMS_PER_WORD]))
        same_words: tuple[tuple[str, tuple[str, ...]], ...] = ()
        near_words: tuple[tuple[str, tuple[str, ...]], ...] = ()
        if self.bridge is not None:
            # 省里 → 省级 and 人社部 → 人力资源社会保障部 are the same words, not near synonyms:
            # they are searched too.
            same_words = tuple(
                (w, forms) for w, _ in content if (forms := self.bridge.level(w) + self.bridge.expansions(w))
            )
            same = [t for _, forms in same_words for t in forms]
            near_words = tuple(
                (w, forms)
                for w, _ in content
                if len(w) > 1 and w in standing and (forms := standing[w] + self.bridge.parts(w))
            )
            tokens += tuple(t for t in dict.fromkeys(same) if t not in tokens)
        groups = tuple(
            group
            for _, terms in english_terms
            if (group := tuple(t for t in dict.fromkeys(self.tokenizer.tokenize(" ".join(terms))) if t in self.vocabulary))
        )
        return PreparedQuery(
            question, normalized, lexical_text, tokens, english, english_terms, senses, synonyms, content, groups,
            same_words, near_words,
        )
