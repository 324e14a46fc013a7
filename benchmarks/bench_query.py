"""Warm end-to-end query latency: per-stage p50/p95 and throughput with 1 and 2 threads.

    python -m benchmarks.bench_query [--rounds 5] [--backend faiss|qdrant]

The question list is the dev set (35 questions). "uncached" clears the query-embedding
LRU before every question, so every query pays for its embedding — the honest figure
for new questions; "cached" is a repeated question (the LRU hit), which is what a
popular question costs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks._common import (
    REPO_ROOT,
    Percentiles,
    dev_questions,
    peak_rss_mb,
    table,
    write_result,
)

STAGES = ("prepare", "bm25", "embed", "faiss", "fusion", "search_total", "answer", "total")


def open_engine(backend: str = "faiss"):
    """An engine over the shipped corpus and a temp copy of the shipped index (the tree is not touched)."""
    from retrieval.engine import Engine, Settings

    root = Path(tempfile.mkdtemp(prefix="policy-qa-bench-"))
    if (REPO_ROOT / "index").is_dir():
        shutil.copytree(REPO_ROOT / "index", root / "index", ignore=shutil.ignore_patterns(".lock"))
    if backend == "qdrant":
        os.environ["POLICY_QA_QDRANT_PATH"] = str(root / "qdrant")
    else:
        os.environ.pop("POLICY_QA_QDRANT_PATH", None)
        os.environ.pop("POLICY_QA_QDRANT_URL", None)
    settings = Settings.from_env(data_dir=root / "data", index_dir=root / "index")
    return Engine.open(settings, say=lambda m: None), root


def clear_cache(engine) -> None:
    cache = getattr(engine._state.searcher, "_cache", None)
    if cache is not None:
        cache.clear()


def run_pass(engine, questions: list[str], cached: bool) -> tuple[dict[str, list[float]], list[float]]:
    stages: dict[str, list[float]] = {s: [] for s in STAGES}
    wall: list[float] = []
    for q in questions:
        if not cached:
            clear_cache(engine)
        t = time.perf_counter()
        a = engine.ask(q)
        wall.append((time.perf_counter() - t) * 1000)
        for s in STAGES:
            if s in a.timings_ms:
                stages[s].append(a.timings_ms[s])
    return stages, wall


def throughput(engine, questions: list[str], threads: int, seconds: float, cached: bool) -> float:
    """Questions answered per second by `threads` workers sharing one engine."""
    stop = time.perf_counter() + seconds
    counts = [0] * threads
    lock = threading.Lock()
    uniq = [0]

    def worker(i: int) -> None:
        n = i
        while time.perf_counter() < stop:
            q = questions[n % len(questions)]
            if not cached:
                # A unique suffix defeats the embedding cache without changing the work much.
                with lock:
                    uniq[0] += 1
                    q = f"{q} {uniq[0]}"
            engine.ask(q)
            counts[i] += 1
            n += threads

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return round(sum(counts) / (time.perf_counter() - started), 1)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5, help="passes over the question list")
    ap.add_argument("--seconds", type=float, default=6.0, help="duration of each throughput run")
    ap.add_argument("--backend", choices=("faiss", "qdrant"), default="faiss")
    ap.add_argument("--tag", default="", help="suffix for the result file (e.g. omp1)")
    args = ap.parse_args(argv)

    questions = dev_questions()
    engine, root = open_engine(args.backend)
    try:
        run_pass(engine, questions, cached=False)  # warm-up: page in the model, jieba, BM25
        results = {}
        for mode in ("uncached", "cached"):
            stages: dict[str, list[float]] = {s: [] for s in STAGES}
            wall: list[float] = []
            if mode == "cached":
                run_pass(engine, questions, cached=True)  # fill the LRU: every timed question is a repeat
            for _ in range(args.rounds):
                s, w = run_pass(engine, questions, cached=mode == "cached")
                for k, v in s.items():
                    stages[k] += v
                wall += w
            results[mode] = {
                "stages": {k: Percentiles.of(v) for k, v in stages.items() if v},
                "wall": Percentiles.of(wall),
            }
        qps = {
            f"{mode}_{t}t": throughput(engine, questions, t, args.seconds, cached=mode == "cached")
            for mode in ("uncached", "cached")
            for t in (1, 2)
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)

    rows = []
    for stage in STAGES:
        u = results["uncached"]["stages"].get(stage)
        c = results["cached"]["stages"].get(stage)
        if u is None:
            continue
        rows.append([stage, u.p50, u.p95, c.p50 if c else float("nan"), c.p95 if c else float("nan")])
    w_u, w_c = results["uncached"]["wall"], results["cached"]["wall"]
    rows.append(["wall (ask)", w_u.p50, w_u.p95, w_c.p50, w_c.p95])
    print(
        table(
            ["stage (ms)", "p50", "p95", "cached p50", "cached p95"],
            rows,
            title=f"bench_query: {len(questions)} questions × {args.rounds} rounds, backend={args.backend}, "
            f"{engine.status().chunks} chunks",
        )
    )
    print(
        table(
            ["threads", "q/s uncached", "q/s cached"],
            [[t, qps[f"uncached_{t}t"], qps[f"cached_{t}t"]] for t in (1, 2)],
        )
    )
    print(f"targets: p50 ≤ 30 ms, p95 ≤ 60 ms (uncached wall: p50 {w_u.p50} ms, p95 {w_u.p95} ms); peak RSS {peak_rss_mb()} MB")
    payload = {
        "backend": args.backend,
        "questions": len(questions),
        "rounds": args.rounds,
        "chunks": engine.status().chunks,
        "latency_ms": results,
        "qps": qps,
        "peak_rss_mb": peak_rss_mb(),
        "targets": {"p50_ms": 30, "p95_ms": 60},
    }
    name = "bench_query" + ("_qdrant" if args.backend == "qdrant" else "") + (f"_{args.tag}" if args.tag else "")
    path = write_result(name, payload)
    print(f"wrote {path}")
    return payload


if __name__ == "__main__":
    main()
