"""FAISS index types compared on the same vectors: flat (exact) against HNSW and IVF.

    python -m benchmarks.faiss_recall [--sizes 1000,10000] [--queries 60]

On its own it runs over the synthetic library's derived vectors (benchmarks/synthetic_library.py)
with the dev questions and fragments of the library's text as queries; bench_scale calls
`faiss_recall` on each size it serves. recall@10 is measured against flat search.
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np

from benchmarks._common import Percentiles, dev_questions, table


def faiss_recall(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> dict:
    """Build flat, HNSW (and IVF when large) and compare them to flat on the same queries."""
    import faiss

    from retrieval.dense import FLAT_MAX, HNSW_M

    out = {}
    dim = vectors.shape[1]
    t = time.perf_counter()
    flat = faiss.IndexFlatIP(dim)
    flat.add(vectors)
    out["flat_build_s"] = time.perf_counter() - t
    out["flat_search_ms"] = _search_ms(flat, queries)
    _, truth = flat.search(queries, k)
    t = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    hnsw.add(vectors)
    out["hnsw_build_s"] = time.perf_counter() - t
    for ef in (64, 128):
        hnsw.hnsw.efSearch = ef
        out[f"hnsw_ef{ef}_search_ms"] = _search_ms(hnsw, queries)
        _, got = hnsw.search(queries, k)
        out[f"hnsw_ef{ef}_recall@{k}"] = _recall(truth, got)
    if len(vectors) >= 10_000:
        nlist = int(4 * np.sqrt(len(vectors)))
        t = time.perf_counter()
        quant = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(quant, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.train(vectors[np.random.default_rng(0).choice(len(vectors), min(len(vectors), 40 * nlist), replace=False)])
        ivf.add(vectors)
        out["ivf_build_s"] = time.perf_counter() - t
        ivf.nprobe = 16
        out["ivf_search_ms"] = _search_ms(ivf, queries)
        _, got = ivf.search(queries, k)
        out[f"ivf{nlist}_nprobe16_recall@{k}"] = _recall(truth, got)
    out["auto_kind"] = "flat" if len(vectors) <= FLAT_MAX else "hnsw"
    return out


def _search_ms(index, queries: np.ndarray) -> Percentiles:
    """Latency of one query at a time (as the engine asks), top 100 like the candidate lists."""
    lat = []
    for q in queries:
        t = time.perf_counter()
        index.search(q[None, :], 100)
        lat.append((time.perf_counter() - t) * 1000)
    return Percentiles.of(lat)


def _recall(truth: np.ndarray, got: np.ndarray) -> float:
    hits = sum(len(set(t) & set(g)) for t, g in zip(truth, got))
    return round(hits / truth.size, 4)


def main(argv: list[str] | None = None) -> dict:
    from benchmarks.synthetic_library import base_vectors, corpus_sentences, derived_vectors, synthetic_library
    from retrieval.embedders import load_embedder

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--queries", type=int, default=60)
    args = ap.parse_args(argv)
    embedder = load_embedder()
    sentences = corpus_sentences()
    base, _ = base_vectors(sentences, embedder)
    out, rows = {}, []
    for n in [int(s) for s in args.sizes.split(",")]:
        texts, _, members = synthetic_library(sentences, n)
        chunk_vecs, _, _ = derived_vectors(base, members)
        asked = (dev_questions() + [t[:24] for t in texts])[: args.queries]
        r = faiss_recall(chunk_vecs, embedder.embed_queries([re.sub(r"\s+", " ", q) for q in asked]))
        out[n] = r
        rows.append([n, r["flat_search_ms"].p50, r["hnsw_ef64_recall@10"], r["hnsw_ef128_recall@10"],
                     r["hnsw_ef128_search_ms"].p50])
    print(table(["chunks", "flat ms", "HNSW ef64 R@10", "HNSW ef128 R@10", "HNSW ef128 ms"], rows,
                title="FAISS recall@10 against flat, derived vectors"))
    return out


if __name__ == "__main__":
    main()
