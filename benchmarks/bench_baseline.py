"""The usual recipe beside ours, in one run, on the same questions.

    python -m benchmarks.bench_baseline [--rounds 3]

Baseline: the whole published page (../shared/seed) split into 500-character chunks
(RecursiveCharacterTextSplitter, 50 overlap — the tutorial defaults), the same
default embedding model, FAISS flat, top-5; it always answers, with its top chunk.
Ours: the engine over the shipped corpus and prebuilt index. Both are scored by
retrieval/evaluation.py on the dev set; latency is per question with the query
embedding computed each time (no cache) for both.
"""

from __future__ import annotations

import argparse
import statistics
import time
from benchmarks._common import DEV_SET, REPO_ROOT, Percentiles, table, write_result
from benchmarks.bench_query import clear_cache, open_engine

SEED_DIR = REPO_ROOT.parent / "shared" / "seed"
CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
TOP_K = 5


class BaselineRAG:
    """Fixed-size chunks, dense retrieval only, no abstention: the common starting point."""

    def __init__(self, embedder, page: str) -> None:
        import faiss
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        self.chunks = splitter.split_text(page)
        self.embedder = embedder
        t = time.perf_counter()
        vectors = embedder.embed_passages(self.chunks)
        self.build_s = time.perf_counter() - t
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def ask(self, question: str):
        from retrieval.engine import Answer, Citation

        timings = {}
        t0 = time.perf_counter()
        qvec = self.embedder.embed_queries([question])
        timings["embed"] = (time.perf_counter() - t0) * 1000
        t = time.perf_counter()
        scores, ids = self.index.search(qvec, TOP_K)
        timings["faiss"] = (time.perf_counter() - t) * 1000
        citations = [
            Citation(
                rank=r + 1, chunk_id=f"page:{i}", doc_id="page", doc_title="seed page", authority="unknown",
                section="", text=self.chunks[i], start=0, end=len(self.chunks[i]), score=float(s),
            )
            for r, (s, i) in enumerate(zip(scores[0], ids[0]))
            if i >= 0
        ]
        timings["total"] = (time.perf_counter() - t0) * 1000
        return Answer(question, True, citations[0].text if citations else "", True, citations, timings)


def _page() -> str:
    pages = sorted(p for p in SEED_DIR.glob("*.txt"))
    return "\n\n".join(p.read_text(encoding="utf-8") for p in pages)


def _latency(ask, questions: list[str], rounds: int, before=lambda: None) -> Percentiles:
    lat = []
    for _ in range(rounds):
        for q in questions:
            before()
            t = time.perf_counter()
            ask(q)
            lat.append((time.perf_counter() - t) * 1000)
    return Percentiles.of(lat)


def main(argv: list[str] | None = None) -> dict:
    from retrieval.evaluation import evaluate, load_dataset

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)

    items = load_dataset(DEV_SET)
    questions = [it.q for it in items]
    engine, _root = open_engine("faiss")
    baseline = BaselineRAG(engine.embedder, _page())

    ours_report = evaluate(engine.ask, items, k=TOP_K)
    base_report = evaluate(baseline.ask, items, k=TOP_K)
    ours_lat = _latency(engine.ask, questions, args.rounds, before=lambda: clear_cache(engine))
    base_lat = _latency(baseline.ask, questions, args.rounds)

    ours, base = ours_report.summary(), base_report.summary()
    rows = []
    for key in ours:
        if key == "n":
            continue
        a, b = ours[key], base[key]
        ratio = (a / b) if isinstance(b, (int, float)) and b else float("nan")
        rows.append([key, a, b, ratio])
    rows.append(["latency p50 ms", ours_lat.p50, base_lat.p50, ours_lat.p50 / base_lat.p50])
    rows.append(["latency p95 ms", ours_lat.p95, base_lat.p95, ours_lat.p95 / base_lat.p95])
    cites_ours = statistics.median(len(c.text) for r in ours_report.results for c in r.answer.citations) if ours_report.results else 0
    print(table(
        ["measure", "ours", "baseline", "ours/baseline"],
        rows,
        title=f"bench_baseline: {len(items)} dev questions, top-{TOP_K}; baseline = {len(baseline.chunks)} × "
        f"{CHUNK_SIZE}-char chunks of the whole page (overlap {CHUNK_OVERLAP}), same model, FAISS flat, no abstention",
    ))
    print("note: the baseline's answer is its whole top chunk, so answer_acc (a substring test) flatters it; "
          "oos_acc is 0 because it never declines.")
    payload = {
        "questions": len(items),
        "ours": {"metrics": ours, "latency_ms": ours_lat, "chunks": engine.status().chunks},
        "baseline": {
            "metrics": base, "latency_ms": base_lat, "chunks": len(baseline.chunks),
            "chunk_size": CHUNK_SIZE, "overlap": CHUNK_OVERLAP, "embed_build_s": baseline.build_s,
        },
        "ratios": {r[0]: r[3] for r in rows},
        "median_citation_chars_all": cites_ours,
    }
    print(f"wrote {write_result('bench_baseline', payload)}")
    return payload


if __name__ == "__main__":
    main()
