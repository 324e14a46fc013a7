"""Scale: a synthetic policy library of 1k, 10k and 100k chunks, built and queried.

    python -m benchmarks.bench_scale [--sizes 1000,10000,100000] [--queries 60]

The library and its derived vectors come from benchmarks/synthetic_library.py (what is
real and what is derived is explained there); embedding throughput is measured on a
sample of synthetic chunks and reported with the embedding time it implies for each
size. Tokenisation, BM25 (bm25s) and FAISS are built and queried at full size, through
the engine's own searcher and answer path.

Each size is built in a fresh child process and served from disk in another, so the
build's peak RSS and the serving RSS are each their own. The FAISS index types are
compared at each size by benchmarks/faiss_recall.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._common import (
    REPO_ROOT,
    Percentiles,
    current_rss_mb,
    dev_questions,
    dir_size_mb,
    peak_rss_mb,
    table,
    write_result,
)
from benchmarks.faiss_recall import faiss_recall
from benchmarks.synthetic_library import (
    CACHE_DIR,
    NOISE,
    SEED,
    base_vectors,
    corpus_sentences,
    derived_vectors,
    synthetic_library,
)

# ---- parent: real embeddings once, then one child per size ------------------------------


def measure_embedding(embedder, texts: list[str]) -> float:
    embedder.embed_passages(texts[:2])
    t = time.perf_counter()
    embedder.embed_passages(texts)
    return len(texts) / (time.perf_counter() - t)


# ---- child: one size -----------------------------------------------------------------


def _timed(res: dict, key: str, step, *args):
    """step(*args), its seconds recorded in res[key]."""
    t = time.perf_counter()
    out = step(*args)
    res[key] = time.perf_counter() - t
    return out


def run_child(n: int, base_path: Path, n_queries: int) -> dict:
    from retrieval.chunking import Chunk
    from retrieval.dense import DenseIndex
    from retrieval.embedders import load_embedder
    from retrieval.index_store import (
        CHUNKER_VERSION,
        FORMAT_VERSION,
        TOKENIZER_VERSION,
        IndexManifest,
        IndexStore,
        SearchIndex,
    )
    from retrieval.lexical import ChineseTokenizer, LexicalIndex

    import faiss

    res: dict = {"chunks": n}
    # Builds may use every core; the engine's searcher drops FAISS to one thread for queries.
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    embedder = load_embedder()
    tokenizer = ChineseTokenizer()
    res["build_rss_model_mb"] = current_rss_mb()
    sentences = corpus_sentences()
    base = np.load(base_path)

    t = time.perf_counter()
    texts, headings, members = synthetic_library(sentences, n)
    res["generate_s"] = time.perf_counter() - t
    authorities = ("official notice", "official interpretation", "commentary", "user-added")
    chunks = tuple(
        Chunk(
            chunk_id=f"syn{i // 500}:{i % 500}",
            doc_id=f"syn{i // 500}",
            doc_title=headings[i].split("第")[0],
            authority=authorities[i % 4],
            section=headings[i],
            text=texts[i],
            start=0,
            end=len(texts[i]),
            context=headings[i],
        )
        for i in range(n)
    )
    search_texts = [c.search_text for c in chunks]
    res["chars"] = sum(map(len, search_texts))

    tokens = _timed(res, "tokenize_s", tokenizer.tokenize_many, search_texts)
    lexical = _timed(res, "bm25_build_s", LexicalIndex.build, tokens)
    del tokens
    chunk_vecs, sent_vecs, sent_rows = _timed(res, "derive_vectors_s", derived_vectors, base, members)
    res["sentence_vectors"] = len(sent_vecs)
    dense = _timed(res, "faiss_chunk_build_s", DenseIndex.build, chunk_vecs)
    sentence_dense = _timed(res, "faiss_sentence_build_s", DenseIndex.build, sent_vecs)
    res["faiss_kinds"] = [type(dense._index).__name__, type(sentence_dense._index).__name__]

    manifest = IndexManifest(
        format_version=FORMAT_VERSION, model_id=embedder.model_id, dim=dense.dim, corpus_hash=f"synthetic-{n}",
        chunker_version=CHUNKER_VERSION, tokenizer_version=TOKENIZER_VERSION, n_documents=0, n_chunks=n,
        dense_kind=res["faiss_kinds"][0], created="", build_seconds=0.0,
    )
    fields = SearchIndex.__dataclass_fields__
    extra = {"sentence_dense": sentence_dense, "sentence_rows": sent_rows} if "sentence_dense" in fields else {}
    index = SearchIndex(manifest, (), chunks, lexical, dense, **extra)
    res["build_s_excl_embedding"] = (
        res["tokenize_s"] + res["bm25_build_s"] + res["faiss_chunk_build_s"] + res["faiss_sentence_build_s"]
    )
    res["build_chunks_per_s_excl_embedding"] = n / res["build_s_excl_embedding"]
    res["rss_after_build_mb"] = current_rss_mb()

    tmp = Path(tempfile.mkdtemp(prefix="policy-qa-scale-"))
    t = time.perf_counter()
    store = IndexStore(tmp / "index")
    with store.lock():
        folder = store.save(index)
    res["save_s"] = time.perf_counter() - t
    res["index_disk_mb"] = dir_size_mb(folder)
    res["build_peak_rss_mb"] = peak_rss_mb()
    res["index_dir"] = str(tmp / "index")
    return res


def run_serve(index_dir: Path, n_queries: int) -> dict:
    """A fresh process serving the saved index: load time, RSS, query latency, FAISS recall."""
    from retrieval.embedders import load_embedder
    from retrieval.engine import Engine, Settings
    from retrieval.index_store import IndexStore
    from retrieval.lexical import ChineseTokenizer, Glossary

    res: dict = {}
    embedder = load_embedder()
    tokenizer = ChineseTokenizer()
    res["rss_model_mb"] = current_rss_mb()
    t = time.perf_counter()
    index = IndexStore(index_dir).load()
    res["index_load_s"] = time.perf_counter() - t
    n = len(index.chunks)
    settings = Settings(corpus_dir=index_dir / "corpus", data_dir=index_dir / "data", index_dir=index_dir)
    t = time.perf_counter()
    engine = Engine(settings, embedder, tokenizer, Glossary.default(), index)
    res["engine_init_s"] = time.perf_counter() - t
    res["faiss_kinds"] = [
        type(x._index).__name__ for x in (index.dense, getattr(index, "sentence_dense", None)) if x is not None
    ]
    res["sentence_vectors"] = int(index.sentence_dense.size) if getattr(index, "sentence_dense", None) else 0

    questions = dev_questions()
    # Queries beyond the dev set: the library's own text cut short, as people ask in fragments.
    rng = np.random.default_rng(SEED + 7)
    extra_q = [index.chunks[int(i)].text[:24] for i in rng.choice(n, size=max(0, n_queries - len(questions)), replace=False)]
    asked = (questions + extra_q)[:n_queries]
    for q in asked[:5]:
        engine.ask(q)  # warm-up
    stages: dict[str, list[float]] = {}
    wall = []
    searcher = engine._state.searcher
    for q in asked:
        searcher._cache.clear()
        t = time.perf_counter()
        a = engine.ask(q)
        wall.append((time.perf_counter() - t) * 1000)
        for k, v in a.timings_ms.items():
            stages.setdefault(k, []).append(v)
    res["query_ms"] = Percentiles.of(wall)
    res["query_ms_excl_embed"] = Percentiles.of([w - e for w, e in zip(wall, stages.get("embed", [0] * len(wall)))])
    res["stages_ms"] = {k: Percentiles.of(v) for k, v in stages.items()}
    res["queries"] = len(asked)
    res["serve_rss_mb"] = current_rss_mb()
    res["serve_peak_rss_mb"] = peak_rss_mb()

    qvecs = embedder.embed_queries([re.sub(r"\s+", " ", q) for q in asked])
    res["faiss_chunks"] = faiss_recall(index.dense._index.reconstruct_n(0, index.dense.size), qvecs)
    return res


# ---- driver ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--embed-sample", type=int, default=48, help="synthetic chunks embedded to measure throughput")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--base", help=argparse.SUPPRESS)
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        print(json.dumps(run_child(args.child, Path(args.base), args.queries), default=_default))
        return {}
    if args.serve:
        print(json.dumps(run_serve(Path(args.serve), args.queries), default=_default))
        return {}

    from retrieval.embedders import load_embedder

    embedder = load_embedder()
    sentences = corpus_sentences()
    base, sent_rate = base_vectors(sentences, embedder)
    base_path = CACHE_DIR / "scale_base_current.npy"
    np.save(base_path, base)
    sample_texts, sample_heads, _ = synthetic_library(sentences, args.embed_sample, seed=SEED + 99)
    rate = measure_embedding(embedder, [f"{h}\n{t}" for h, t in zip(sample_heads, sample_texts)])
    del embedder
    print(f"embedding: {rate:.1f} synthetic chunks/s on a sample of {args.embed_sample}; "
          f"{len(sentences)} corpus sentences embedded for real (base vectors)")

    rows, results = [], []
    for n in [int(s) for s in args.sizes.split(",")]:
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_scale", "--child", str(n), "--base", str(base_path),
             "--queries", str(args.queries)],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=3600,
        )
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"size {n} failed")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        served = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_scale", "--serve", r["index_dir"], "--queries", str(args.queries)],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=3600,
        )
        if served.returncode != 0:
            print(served.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"serving size {n} failed")
        r.update(json.loads(served.stdout.strip().splitlines()[-1]))
        shutil.rmtree(Path(r["index_dir"]).parent, ignore_errors=True)
        r["child_wall_s"] = time.perf_counter() - t
        # Embedding chunks and their sentences at the measured rate: what a real build of this size costs.
        r["embed_s_estimated"] = (n + r["sentence_vectors"]) / rate
        results.append(r)
        fr = r["faiss_chunks"]
        rows.append([
            n, r["build_chunks_per_s_excl_embedding"], r["embed_s_estimated"] / 3600, r["index_disk_mb"],
            r["build_peak_rss_mb"], r["serve_peak_rss_mb"], r["query_ms"]["p50"], r["query_ms"]["p95"], r["query_ms_excl_embed"]["p95"],
            "/".join(k.replace("Index", "").replace("Flat", "F") for k in r["faiss_kinds"]),
            fr["hnsw_ef128_recall@10"], fr["flat_search_ms"]["p50"], fr["hnsw_ef128_search_ms"]["p50"],
        ])
        print(f"  {n} chunks done in {r['child_wall_s']:.0f}s", file=sys.stderr)
    print(table(
        ["chunks", "build c/s*", "embed h†", "disk MB", "build RSS MB", "serve RSS MB", "q p50 ms", "q p95 ms", "p95 -embed",
         "faiss (chunk/sent)", "HNSW R@10", "flat ms", "hnsw ms"],
        rows,
        title="bench_scale: synthetic library (targets at 100k: query p95 ≤ 100 ms, RSS ≤ 2 GB)",
    ))
    print(f"* tokenise + BM25 + FAISS, excluding embedding; † embedding chunks+sentences at {rate:.1f}/s (measured)")
    payload = {"embed_rate_chunks_per_s": rate, "base_sentences": len(sentences),
               "base_embed_rate_sentences_per_s": sent_rate, "noise": NOISE, "seed": SEED, "sizes": results,
               "targets": {"p95_ms_at_100k": 100, "rss_gb_at_100k": 2}}
    print(f"wrote {write_result('bench_scale', payload)}")
    return payload


def _default(o):
    from dataclasses import asdict, is_dataclass

    if is_dataclass(o):
        return asdict(o)
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(type(o))


if __name__ == "__main__":
    main()
