"""The question-answering engine: corpus → index → search → abstain → answer.

One Engine serves many threads: everything a query reads lives in one immutable
`_State`, replaced as a whole when the corpus changes.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from .abstain import Abstainer, AbstentionPolicy, Decision
from .asked import is_yes_no
from .chunking import Chunk, Span
from .answer import answer_terms, counted_forms, extract_answer
from .documents import SHIPPED_AUTHORITIES, CorpusDir, Document, corpus_hash
from .embedders import DEFAULT_MODEL, Embedder, EmbedderUnavailable, configured_model, load_embedder, PassageCache
from .index_store import FORMAT_VERSION, BuildProgress, IndexStore, IndexUnavailable, SearchIndex, build_index
from .lexical import ChineseTokenizer, Glossary
from .scope import Scope
from .search import HybridSearcher, SearchResult

log = logging.getLogger("policy_qa")

REPO_ROOT = Path(__file__).resolve().parent.parent
MAX_QUESTION_CHARS = 500
_QUESTION_RE = re.compile(r"^问\s*\d+\s+(.+)$")

DECLINE_ZH = "抱歉，这几份文件没有涉及这个问题（本系统只回答人社部发〔2025〕27号通知及其解读的内容）。"
YES_NO_LEAD_ZH = "文件对此的规定："
YES_NO_LEAD_EN = "What the documents say on this: "
DECLINE_EN = "Sorry, these documents do not cover this question (only the 2025 No. 27 notice and its interpretation are covered)."
# With documents an administrator added, the fixed sentence must not say only the notice is covered.
DECLINE_ZH_LIBRARY = "抱歉，已载入的文件（人社部发〔2025〕27号通知及其解读，以及管理员添加的文件）都没有涉及这个问题。"
DECLINE_EN_LIBRARY = (
    "Sorry, the loaded documents (the 2025 No. 27 notice, its interpretation and the documents "
    "an administrator added) do not cover this question."
)
DECLINES = (DECLINE_ZH, DECLINE_EN, DECLINE_ZH_LIBRARY, DECLINE_EN_LIBRARY)


class QuestionError(ValueError):
    """A question that cannot be searched (empty, too long, no words)."""


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path
    data_dir: Path
    index_dir: Path
    model: str = DEFAULT_MODEL
    top_k: int = 5

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        env = os.environ
        values = dict(
            corpus_dir=Path(env.get("POLICY_QA_CORPUS_DIR", REPO_ROOT / "corpus")),
            data_dir=Path(env.get("POLICY_QA_DATA_DIR", REPO_ROOT / "data")),
            index_dir=Path(env.get("POLICY_QA_INDEX_DIR", REPO_ROOT / "index")),
            model=configured_model(),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def added_dir(self) -> Path:
        """Documents added after installation (not part of the shipped corpus)."""
        return self.data_dir / "documents"


@dataclass(frozen=True)
class Citation(Span):
    """A chunk as an answer cites it: the chunk's span, its place in the ranking and its score."""

    rank: int
    score: float
    page: int | None = None

    @classmethod
    def of(cls, rank: int, chunk: Chunk, score: float) -> Citation:
        """`chunk` cited at `rank` with `score`."""
        span = {f.name: getattr(chunk, f.name) for f in fields(Span)}
        return cls(rank=rank, score=score, page=chunk.page, **span)

    def to_json(self) -> dict:
        data = {"rank": self.rank, **asdict(self)}  # rank first, as the answer's JSON has always had it
        for name in CITATION_JSON_OMITS:
            data.pop(name)
        return data


# Left out of the answer's JSON (`ask --json`, the API): the page is for the UI's source link.
CITATION_JSON_OMITS = ("page",)


@dataclass(frozen=True)
class Answer:
    question: str
    answerable: bool
    answer: str
    dense: bool
    citations: list[Citation]
    timings_ms: dict[str, float]
    # Document offsets of the answer sentence, and the citation it was taken from.
    answer_span: tuple[int, int] | None = None
    suggestions: list[str] = field(default_factory=list)
    notice: str = ""
    answer_chunk_id: str | None = None
    # Why a question was declined ("off-topic", "detail-missing", "no-match"), and the related
    # clauses when the documents cover the topic but not the asked detail.
    reason: str = ""
    related: list[Citation] = field(default_factory=list)
    # Fixed words put before the quoted sentence (which document; "what the documents say on
    # this" for a yes/no question). Everything after them is a verbatim span of a document.
    lead: str = ""

    @property
    def quote(self) -> str:
        """The verbatim part of an answer."""
        return self.answer[len(self.lead) :]

    def to_json(self) -> dict:
        """The command line's JSON shape: README documents it; `reason` only on a declined answer."""
        data = {
            "question": self.question,
            "answerable": self.answerable,
            "answer": self.answer,
            "dense": self.dense,
            "citations": [c.to_json() for c in self.citations],
            "timings_ms": self.timings_ms,
        }
        if not self.answerable:
            data["reason"] = self.reason
            data["related"] = [c.to_json() for c in self.related]
        return data


@dataclass(frozen=True)
class IndexStatus:
    documents: int
    chunks: int
    model: str | None
    dense: bool
    built_at: str
    corpus_hash: str
    index_dir: str
    notice: str
    # Documents an administrator added (beyond the notice, its interpretation and the commentary).
    added_documents: int = 0


@dataclass(frozen=True)
class _State:
    index: SearchIndex
    searcher: HybridSearcher
    abstainer: Abstainer
    questions: list[tuple[str, np.ndarray | None]]  # official questions for suggestions


def load_documents(settings: Settings) -> list[Document]:
    # An added document that cannot be indexed is quarantined here, so no start is stuck on it.
    from .quarantine import screen_added

    docs = CorpusDir(settings.corpus_dir).load() + screen_added(settings.added_dir, settings.data_dir)
    seen: set[str] = set()
    for d in docs:
        if d.doc_id in seen:
            raise ValueError(f"duplicate document id {d.doc_id!r}")
        seen.add(d.doc_id)
    return docs


class Engine:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None,
        tokenizer: ChineseTokenizer,
        glossary: Glossary,
        index: SearchIndex,
        notice: str = "",
        policy: AbstentionPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.glossary = glossary
        self.policy = policy or AbstentionPolicy()
        self.notice = notice
        self._write_lock = threading.Lock()
        self._state = self._make_state(index)
        _seed_passage_cache(self.embedder, index)

    # ---- construction -------------------------------------------------------------

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        progress: BuildProgress | None = None,
        say: Callable[[str], None] | None = None,
        strict: bool = False,
    ) -> Engine:
        """Load the model and the index, building or rebuilding the index when it does not match.

        A model that cannot load means keyword search alone, with a notice; with `strict`
        it raises EmbedderUnavailable instead (the command line makes that an error).
        """
        settings = settings or Settings.from_env()
        say = say or log.info
        notice = ""
        try:
            embedder: Embedder | None = PassageCache(load_embedder(settings.model))
        except EmbedderUnavailable as exc:
            if strict:
                raise
            embedder = None
            notice = f"语义检索不可用，仅使用关键词检索 (dense search off: {exc})"
            say(notice)
        tokenizer = ChineseTokenizer()
        documents = load_documents(settings)
        index = cls._load_or_build(settings, documents, embedder, tokenizer, progress, say)
        return cls(settings, embedder, tokenizer, Glossary.default(), index, notice)

    @staticmethod
    def _load_or_build(settings, documents, embedder, tokenizer, progress, say) -> SearchIndex:
        store = IndexStore(settings.index_dir)
        wanted = corpus_hash(documents)
        model_id = embedder.model_id if embedder else None
        manifest = store.read_manifest()
        reason = "no index yet" if manifest is None else manifest.mismatch(wanted, model_id)
        if reason is None:
            try:
                return store.load(want_dense=embedder is not None)
            except IndexUnavailable as exc:
                reason = str(exc)
        say(f"Rebuilding the index: {reason}")
        try:
            _seed_passage_cache(embedder, store.load(want_dense=True))
        except IndexUnavailable:
            pass
        with store.lock():
            # Another process may have rebuilt it while this one waited for the lock.
            manifest = store.read_manifest()
            if manifest is not None and manifest.mismatch(wanted, model_id) is None:
                try:
                    return store.load(want_dense=embedder is not None)
                except IndexUnavailable:
                    pass
            index = build_index(documents, embedder, tokenizer, progress)
            store.save(index)
            return index

    def _make_state(self, index: SearchIndex) -> _State:
        from .backends import make_searcher  # the backend (FAISS + bm25s, or Qdrant) is configuration

        searcher = make_searcher(index, self.tokenizer, self.glossary, self.embedder, self.settings)
        questions = []
        seen = set()
        for chunk in index.chunks:
            last = chunk.heading
            m = _QUESTION_RE.match(last)
            if m and chunk.authority.startswith("official") and last not in seen:
                seen.add(last)
                questions.append(m.group(1).strip())
        vectors = (
            self.embedder.embed_queries(questions) if self.embedder is not None and questions else None
        )
        abstainer = Abstainer(index, self.tokenizer, searcher.bridge, self.policy)
        # The dictionary a question's unknown words are translated through loads while the page draws.
        threading.Thread(target=searcher.bridge.warm, name="term-bridge-warm", daemon=True).start()
        suggestions = [(q, vectors[i] if vectors is not None else None) for i, q in enumerate(questions)]
        return _State(index, searcher, abstainer, suggestions)

    # ---- reading ------------------------------------------------------------------

    @property
    def index(self) -> SearchIndex:
        return self._state.index

    @property
    def dense(self) -> bool:
        return self._state.searcher.dense_enabled

    def status(self) -> IndexStatus:
        state = self._state
        m = state.index.manifest
        return IndexStatus(
            documents=m.n_documents,
            chunks=m.n_chunks,
            model=m.model_id,
            dense=self.dense,
            built_at=m.created,
            corpus_hash=m.corpus_hash,
            index_dir=str(self.settings.index_dir),
            notice=self.notice,
            added_documents=self._added_documents(state),
        )

    def search(self, question: str, top_k: int | None = None, scope: Scope | None = None) -> SearchResult:
        return self._state.searcher.search(question, top_k or self.settings.top_k, scope)

    def ask(self, question: str, top_k: int | None = None, *, scope: Scope | None = None) -> Answer:
        """Answer one question; raises QuestionError for input that cannot be a question."""
        started = time.perf_counter()
        question = validate_question(question)
        state = self._state  # one consistent snapshot for the whole answer
        top_k = top_k or self.settings.top_k
        result = state.searcher.search(question, top_k, scope)
        timings = dict(result.timings_ms)
        decision = state.abstainer.decide(result)
        citations = [Citation.of(i + 1, h.chunk, round(h.score, 6)) for i, h in enumerate(result.hits[:top_k])]
        if not decision.answerable:
            timings["total"] = _ms(started)
            return self._declined(state, result, decision, citations, timings)
        t = time.perf_counter()
        terms = answer_terms(result.query, state.index.lexical)
        extract = extract_answer(
            result.query.normalized,
            terms,
            [h.chunk for h in result.hits],
            self.tokenizer,
            _sentence_similarity(state.index, result),
            counted_forms(result.query),
            result.named_documents,
        )
        timings["answer"] = _ms(t)
        lead = ""
        if self._added_documents(state):
            # With documents an administrator added, say which document the answer comes from.
            source = state.index.document(extract.doc_id)
            if source is not None:
                lead = f"据{_titled(source.title)}："
        if is_yes_no(result.query.normalized):
            # Stated as what it is: the clause that decides the question, not a "yes".
            lead += YES_NO_LEAD_EN if result.query.english else YES_NO_LEAD_ZH
        timings["total"] = _ms(started)
        return Answer(
            question=question,
            answerable=True,
            answer=lead + extract.text,
            dense=result.dense_used,
            citations=citations,
            timings_ms=timings,
            answer_span=(extract.start, extract.end),
            notice=self.notice,
            answer_chunk_id=extract.chunk_id,
            reason="answerable",
            lead=lead,
        )

    def _declined(self, state, result, decision: Decision, citations, timings) -> Answer:
        english = result.query.english
        if self._added_documents(state):
            base = DECLINE_EN_LIBRARY if english else DECLINE_ZH_LIBRARY
        else:
            base = DECLINE_EN if english else DECLINE_ZH
        detail = decision.explanation_en if english else decision.explanation_zh
        # When the topic is covered but not the asked detail, the nearby clauses are worth reading.
        related = citations[:3] if decision.reason == "detail-missing" else []
        return Answer(
            question=result.query.original,
            answerable=False,
            answer=f"{detail} {base}".strip() if decision.reason == "detail-missing" else base,
            dense=result.dense_used,
            citations=[],
            timings_ms=timings,
            suggestions=self._suggest(state, result),
            notice=self.notice,
            reason=decision.reason,
            related=related,
        )

    @staticmethod
    def _added_documents(state: _State) -> int:
        """Documents an administrator added: answers and declines name the library when there are any."""
        return sum(d.authority not in SHIPPED_AUTHORITIES for d in state.index.documents)

    def _suggest(self, state: _State, result: SearchResult, n: int = 3) -> list[str]:
        """The official questions (问1–问10) nearest to what was asked."""
        if not state.questions:
            return []
        if result.query_vector is not None and state.questions[0][1] is not None:
            qvec = result.query_vector
            scored = sorted(state.questions, key=lambda q: -float(q[1] @ qvec))
            return [q for q, _ in scored[:n]]
        tokens = set(result.query.tokens)
        scored = sorted(
            state.questions, key=lambda q: -len(tokens & set(self.tokenizer.tokenize(q[0])))
        )
        return [q for q, _ in scored[:n]]

    # ---- writing ------------------------------------------------------------------

    def rebuild(
        self, progress: BuildProgress | None = None, change: Callable[[], None] | None = None
    ) -> SearchIndex:
        """Re-read the corpus, rebuild and save the index, then swap it in for new queries.

        `change` edits the corpus while the index lock is held, so that another writer
        (a second admin, the CLI) never sees the edit without the index built from it,
        and never interleaves its own edit between the two.
        """
        with self._write_lock:
            store = IndexStore(self.settings.index_dir)
            with store.lock():
                if change is not None:
                    change()
                documents = load_documents(self.settings)
                index = build_index(documents, self.embedder, self.tokenizer, progress)
                store.save(index)
            self._state = self._make_state(index)
            return index

    def refresh(self) -> bool:
        """Switch to the live build on disk if another writer replaced it; True if it did.

        Cheap when nothing changed (reads `CURRENT` and one small manifest), so replicas
        can call it every few seconds. The new build is loaded into a new `_State` and
        swapped in whole: a question in flight finishes on the old one, the next uses the
        new one. A build this engine cannot serve (other model, format, chunker or
        tokenizer) is left alone, and so is one removed mid-load; the next call retries.
        """
        store = IndexStore(self.settings.index_dir)
        if store.read_manifest() in (None, self._state.index.manifest):
            return False
        with self._write_lock:
            manifest = store.read_manifest()
            if manifest is None or manifest == self._state.index.manifest:
                return False  # this engine's own rebuild got there first
            model_id = self.embedder.model_id if self.embedder is not None else None
            # A build without vectors (a --lexical-only writer) is still servable, by BM25.
            reason = manifest.mismatch(manifest.corpus_hash, model_id if manifest.model_id else None)
            if reason is not None:
                log.warning("not switching to the new index build: %s", reason)
                return False
            try:
                index = store.load(want_dense=self.embedder is not None)
            except IndexUnavailable as exc:
                log.info("new index build not loadable yet: %s", exc)
                return False
            # The build carries its own documents (added ones included), so the answer
            # text, citations and document list all move to it together.
            self._state = self._make_state(index)
            _seed_passage_cache(self.embedder, index)
            return True


def _seed_passage_cache(embedder, index: SearchIndex) -> None:
    """Give the passage cache an index's vectors, so the first add after a restart (or a
    rebuild after another process added a document) embeds only what is new.
    Best effort: a miss only costs time."""
    if (
        not isinstance(embedder, PassageCache)
        or index.dense is None
        or index.manifest.model_id != embedder.model_id
        # Another format may lay its vectors out differently: rows would not match texts.
        or index.manifest.format_version != FORMAT_VERSION
    ):
        return
    try:
        texts = [c.search_text for c in index.chunks]
        vectors = [index.dense.all_vectors()]
        sentences = getattr(index, "sentence_dense", None)
        if sentences is not None:
            from .index_store import sentence_units

            _, sentence_texts = sentence_units(list(index.chunks))
            if len(sentence_texts) == sentences.size:
                texts += sentence_texts
                vectors.append(sentences.all_vectors())
        embedder.remember(texts, np.vstack(vectors))
    except Exception as exc:  # e.g. an index kind that cannot give its vectors back
        log.info("passage cache not seeded: %s", exc)


def _sentence_similarity(index: SearchIndex, result: SearchResult):
    """Cosine similarity of the question to each sentence of the first citations, from the stored vectors."""
    if result.query_vector is None or index.sentence_dense is None:
        return None
    rows = {h.chunk.chunk_id: h.row for h in result.hits}
    by_row = index.sentence_ids
    wanted = [(h.row, span, sid) for h in result.hits[:3] for span, sid in by_row.get(h.row, {}).items()]
    vectors = index.sentence_dense.vectors([sid for *_, sid in wanted])
    sims = {(row, span): float(v @ result.query_vector) for (row, span, _), v in zip(wanted, vectors)}

    return lambda chunk, a, b: sims.get((rows.get(chunk.chunk_id), (a, b)))


def _titled(title: str) -> str:
    return title if title.startswith("《") else f"《{title}》"


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 3)


def validate_question(question: str) -> str:
    if question is None or not str(question).strip():
        raise QuestionError("请输入问题 (the question is empty)")
    question = str(question).strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"问题过长：{len(question)} 个字符，请控制在 {MAX_QUESTION_CHARS} 字以内 "
            f"(the question has {len(question)} characters; the limit is {MAX_QUESTION_CHARS})"
        )
    if not re.search(r"[\w\u4e00-\u9fff]", question):
        raise QuestionError("问题中没有可检索的文字 (the question has no words to search for)")
    return question
