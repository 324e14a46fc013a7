"""Lexical search: jieba tokens (with the policy's own terms) scored by bm25s."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

_TOKEN_RE = re.compile(r"[\w\u4e00-\u9fff]")
_ASCII_WORD_RE = re.compile(r"[a-z0-9][a-z0-9\-\.]*")


def _resource(name: str) -> str:
    return resources.files("retrieval.resources").joinpath(name).read_text(encoding="utf-8")


def tokenizer_version() -> str:
    """Identity of the tokenisation: a changed user dictionary or stopword list means a new index."""
    h = hashlib.sha256()
    for name in ("userdict.txt", "stopwords.txt"):
        h.update(_resource(name).encode("utf-8"))
    return f"jieba-search-v1+{h.hexdigest()[:10]}"


@lru_cache(maxsize=1)
def _loaded_jieba():
    """One jieba dictionary per process: loading it takes about a second and tens of MB,
    and after loading it is only read, so every engine in the process can share it."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    path = resources.files("retrieval.resources").joinpath("userdict.txt")
    with resources.as_file(path) as p:
        tokenizer.load_userdict(str(p))
    return tokenizer


@lru_cache(maxsize=1)
def _loaded_pos_tagger():
    """The part-of-speech tagger over that dictionary (it reads the word tags, another half second)."""
    import jieba.posseg

    return jieba.posseg.POSTokenizer(_loaded_jieba())


class ChineseTokenizer:
    """jieba in search mode, with the policy terms as a user dictionary and stopwords removed.

    Search mode also emits the parts of long compounds (人力资源服务机构 → 人力, 资源,
    服务, 机构, 人力资源 …), so a question that names only part of a term still matches.
    """

    def __init__(self) -> None:
        self._jieba = _loaded_jieba()
        self.stopwords = frozenset(_resource("stopwords.txt").split())
        self._pos = None
        # Answer extraction re-reads the same clauses' sentences query after query.
        self.tokenize_cached = lru_cache(maxsize=65_536)(lambda text: tuple(self.tokenize(text)))

    def tokenize(self, text: str) -> list[str]:
        text = text.lower()
        out = []
        for tok in self._jieba.lcut_for_search(text):
            tok = tok.strip()
            if not tok or tok in self.stopwords or not _TOKEN_RE.search(tok):
                continue
            out.append(tok)
        return out

    def cuts(self, text: str) -> set[int]:
        """Offsets where jieba's precise mode ends a word."""
        out, at = set(), 0
        for word in self._jieba.lcut(text.lower()):
            at += len(word)
            out.add(at)
        return out

    def tokenize_many(self, texts: Sequence[str]) -> list[list[str]]:
        return [self.tokenize(t) for t in texts]

    def content_words(self, text: str) -> list[tuple[str, str]]:
        """(word, part of speech) for the words that carry meaning: precise cut, no stopwords.

        Precise mode keeps compounds whole, so 个人所得税 is one word, not 个人 + 所得.
        """
        if self._pos is None:
            self._pos = _loaded_pos_tagger()
        # No HMM guesses: for a word its dictionary lacks, jieba's HMM glues spoken fragments
        # into "words" (咱市想报名 → 市想, 咱能学 → 能学) that no document uses, and each such
        # fragment counted as a topic the documents do not speak about. A 儿 cut off on its own
        # is the spoken suffix of the word before it (哪几块儿, 这块儿), not a noun.
        return [
            (p.word, p.flag)
            for p in self._pos.lcut(text.lower(), HMM=False)
            if p.word.strip() and p.word not in self.stopwords and p.word != "儿" and _TOKEN_RE.search(p.word)
        ]


def _key(phrase: str) -> str:
    return re.sub(r"[\s-]+", " ", phrase)


def _spaced(phrase: str) -> str:
    return r"[\s-]+".join(re.escape(part) for part in _key(phrase).split(" "))


class Glossary:
    """English policy phrases → Chinese terms, longest phrase first."""

    def __init__(self, entries: list[tuple[str, str]]) -> None:
        self.entries = sorted(entries, key=lambda e: -len(e[0]))
        # "free-trade zone" and "free trade zone" are one phrase: a hyphen matches a space.
        self._re = re.compile(
            r"(?<![a-z])(" + "|".join(_spaced(en) for en, _ in self.entries) + r")(?![a-z])"
        )
        self._map = {_key(en): zh for en, zh in self.entries}

    @classmethod
    def default(cls) -> Glossary:
        entries = []
        for line in _resource("glossary_en_zh.tsv").splitlines():
            if line.strip() and not line.startswith("#"):
                en, zh = line.split("\t", 1)
                entries.append((en.strip().lower(), zh.strip()))
        return cls(entries)

    def phrases(self, text: str) -> list[str]:
        """The English phrases of `text` that the glossary knows, in order (hyphens as spaces)."""
        return [_key(m.group(1)) for m in self._re.finditer(text.lower())]

    def matched_text(self, text: str) -> str:
        """The English phrases of `text` that the glossary knows, joined."""
        return " ".join(self.phrases(text))

    def translate(self, text: str) -> str:
        """Chinese terms for the English phrases found in `text` (other words dropped)."""
        lowered = text.lower()
        return " ".join(self._map[_key(m.group(1))] for m in self._re.finditer(lowered))


class LexicalIndex:
    """BM25 over pre-tokenised chunks (bm25s, sparse scoring)."""

    def __init__(self, retriever, n_docs: int) -> None:
        self._bm25 = retriever
        self.n_docs = n_docs

    @property
    def retriever(self):
        """The bm25s index itself, for a backend that copies its weights (Qdrant's sparse vectors)."""
        return self._bm25

    @classmethod
    def build(cls, corpus_tokens: list[list[str]]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25()
        retriever.index(corpus_tokens, show_progress=False)
        return cls(retriever, len(corpus_tokens))

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        return {k: v for k, v in self._bm25.vocab_dict.items() if k}

    @cached_property
    def _idf(self) -> np.ndarray:
        # bm25s keeps one sparse column per token: its length is the document frequency.
        df = np.diff(np.asarray(self._bm25.scores["indptr"]))
        return np.log1p(self.n_docs / np.maximum(df, 1))

    def rows_with(self, token: str) -> np.ndarray:
        """The chunk rows that contain a token (bm25s keeps one sparse column per token)."""
        i = self.vocabulary.get(token)
        if i is None:
            return np.zeros(0, np.int64)
        sc = self._bm25.scores
        return np.asarray(sc["indices"][sc["indptr"][i] : sc["indptr"][i + 1]])

    def idf(self, token: str) -> float:
        """log(1 + N/df); a token the corpus never uses gets the rarest word's weight."""
        i = self.vocabulary.get(token)
        if i is None or i >= len(self._idf):
            return float(np.log1p(self.n_docs))
        return float(self._idf[i])

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self.vocabulary]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def save(self, path: Path) -> None:
        self._bm25.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path, n_docs: int) -> LexicalIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(path), show_progress=False, verbosity=0), n_docs)
