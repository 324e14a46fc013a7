"""Scale: a synthetic policy library of 1k, 10k and 100k chunks, built and queried.

    python -m benchmarks.bench_scale [--sizes 1000,10000,100000] [--queries 60]

The library is generated deterministically (seeded) from the shipped corpus's own
sentences: each synthetic chunk recombines 2–4 of them, with the numbers, years and
place names varied, under a heading naming a synthetic city's notice.

What is real and what is derived (the default model embeds ~5–20 texts/s on 2 cores,
so 100k chunks plus their sentences would take hours to embed):
- embedding throughput is measured on a sample of synthetic chunks and reported as
  chunks/s, with the embedding time it implies for each size;
- every distinct corpus sentence is embedded for real, once; a synthetic chunk's
  vector is the normalised mean of its sentences' real vectors plus a small seeded
  Gaussian perturbation (for its varied numbers and places), and each of its sentence
  vectors is the real sentence vector, perturbed the same way. Near-duplicates are
  therefore as common as in the generated text; FAISS build/search cost depends on
  the count and dimension, and the recall figures are measured on these vectors;
- tokenisation, BM25 (bm25s) and FAISS are built and queried at full size, through
  the engine's own HybridSearcher and answer path.

Each size runs in a fresh child process, so its peak RSS (including the model) is its own.
FAISS index type per size: flat while exact search is fast enough, HNSW past that
(retrieval/dense.py's rule); at each size both are built and HNSW's recall@10 against
flat is reported, with IVF for comparison at the largest sizes.
"""

from __future__ import annotations

import argparse
import hashlib
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
    RESULTS_DIR,
    REPO_ROOT,
    Percentiles,
    current_rss_mb,
    dev_questions,
    dir_size_mb,
    peak_rss_mb,
    table,
    write_result,
)

SEED = 20250627
NOISE = 0.35  # perturbation norm relative to a unit vector (cosine to the base ≈ 0.94)
PLACES = (
    "北京 天津 上海 重庆 石家庄 太原 沈阳 长春 哈尔滨 南京 杭州 合肥 福州 南昌 济南 郑州 武汉 长沙 广州 南宁 海口 成都 "
    "贵阳 昆明 拉萨 西安 兰州 西宁 银川 乌鲁木齐 呼和浩特 苏州 无锡 宁波 温州 青岛 烟台 厦门 泉州 东莞 佛山 深圳 珠海 "
    "大连 洛阳 襄阳 宜昌 株洲 柳州 绵阳 遵义 曲靖 宝鸡 天水 包头 鄂尔多斯 唐山 保定 徐州 常州 南通 嘉兴 绍兴 芜湖"
).split()
PROVINCES = "河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海".split()
TOPICS = ("人力资源服务业", "制造业人才支撑", "就业服务", "职业技能培训", "人才引进", "劳务协作", "产业园区建设", "招聘用工")
_SENT_SPLIT = re.compile(r"(?<=[。；！？])")
_NUM = re.compile(r"\d+")
_PLACE = re.compile("|".join(sorted(PLACES + PROVINCES, key=len, reverse=True)))


# ---- the synthetic library ------------------------------------------------------------


def corpus_sentences() -> list[str]:
    from retrieval.engine import Settings, load_documents

    docs = load_documents(Settings.from_env(data_dir=Path(tempfile.mkdtemp()) / "data"))
    seen, out = set(), []
    for d in docs:
        for para in d.text.splitlines():
            for s in _SENT_SPLIT.split(para.strip()):
                s = s.strip()
                if len(s) >= 12 and s not in seen:
                    seen.add(s)
                    out.append(s)
    return out


def synthetic_library(sentences: list[str], n: int, seed: int = SEED):
    """(texts, headings, sentence ids per chunk, variant id per chunk): deterministic for (n, seed)."""
    rng = np.random.default_rng(seed)
    texts, headings, members = [], [], []
    for i in range(n):
        k = int(rng.integers(2, 5))
        ids = [int(x) for x in rng.choice(len(sentences), size=k, replace=False)]
        place = PLACES[int(rng.integers(len(PLACES)))]
        province = PROVINCES[int(rng.integers(len(PROVINCES)))]
        year = 2020 + int(rng.integers(0, 10))
        bump = int(rng.integers(1, 50))

        def vary(s: str) -> str:
            s = _NUM.sub(lambda m: str(int(m.group()) + bump) if len(m.group()) < 4 else str(year), s)
            return _PLACE.sub(lambda m: place if m.group() in PLACES else province, s)

        topic = TOPICS[i % len(TOPICS)]
        headings.append(f"{place}市关于推进{topic}的通知（{year}）第{i % 97 + 1}条")
        texts.append("".join(vary(sentences[j]) for j in ids))
        members.append(ids)
    return texts, headings, members


def derived_vectors(base: np.ndarray, members: list[list[int]], seed: int = SEED):
    """Chunk vectors (mean of members + noise) and sentence vectors (member + noise), unit length."""
    rng = np.random.default_rng(seed + 1)
    dim = base.shape[1]
    n = len(members)
    chunk = np.empty((n, dim), np.float32)
    rows = np.fromiter((i for i, m in enumerate(members) for _ in m), dtype=np.int64)
    flat_ids = np.fromiter((j for m in members for j in m), dtype=np.int64)
    step = 20_000
    for a in range(0, n, step):
        b = min(a + step, n)
        block = np.zeros((b - a, dim), np.float32)
        for i in range(a, b):
            block[i - a] = base[members[i]].mean(axis=0)
        chunk[a:b] = _perturb(block, rng)
    sent = np.empty((len(flat_ids), dim), np.float32)
    for a in range(0, len(flat_ids), step * 3):
        b = min(a + step * 3, len(flat_ids))
        sent[a:b] = _perturb(base[flat_ids[a:b]], rng)
    return chunk, sent, rows


def _perturb(block: np.ndarray, rng) -> np.ndarray:
    block = block / np.linalg.norm(block, axis=1, keepdims=True)
    noise = rng.standard_normal(block.shape).astype(np.float32)
    noise *= NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
    out = block + noise
    return np.ascontiguousarray(out / np.linalg.norm(out, axis=1, keepdims=True), dtype=np.float32)


# ---- parent: real embeddings once, then one child per size ------------------------------


def base_vectors(sentences: list[str], embedder) -> tuple[np.ndarray, float]:
    key = hashlib.blake2b(("\n".join(sentences) + embedder.model_id).encode(), digest_size=8).hexdigest()
    cache = RESULTS_DIR / f"scale_base_{key}.npy"
    if cache.exists():
        return np.load(cache), float("nan")
    t = time.perf_counter()
    vecs = embedder.embed_passages(sentences)
    seconds = time.perf_counter() - t
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    np.save(cache, vecs)
    return vecs, len(sentences) / seconds


def measure_embedding(embedder, texts: list[str]) -> float:
    embedder.embed_passages(texts[:2])
    t = time.perf_counter()
    embedder.embed_passages(texts)
    return len(texts) / (time.perf_counter() - t)


# ---- child: one size -----------------------------------------------------------------


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
    lat = []
    for q in queries:
        t = time.perf_counter()
        _, truth_one = flat.search(q[None, :], 100)
        lat.append((time.perf_counter() - t) * 1000)
    _, truth = flat.search(queries, k)
    out["flat_search_ms"] = Percentiles.of(lat)
    t = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    hnsw.add(vectors)
    out["hnsw_build_s"] = time.perf_counter() - t
    for ef in (64, 128):
        hnsw.hnsw.efSearch = ef
        lat = []
        for q in queries:
            t = time.perf_counter()
            hnsw.search(q[None, :], 100)
            lat.append((time.perf_counter() - t) * 1000)
        _, got = hnsw.search(queries, k)
        out[f"hnsw_ef{ef}_recall@{k}"] = _recall(truth, got)
        out[f"hnsw_ef{ef}_search_ms"] = Percentiles.of(lat)
    if len(vectors) >= 10_000:
        nlist = int(4 * np.sqrt(len(vectors)))
        t = time.perf_counter()
        quant = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(quant, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.train(vectors[np.random.default_rng(0).choice(len(vectors), min(len(vectors), 40 * nlist), replace=False)])
        ivf.add(vectors)
        out["ivf_build_s"] = time.perf_counter() - t
        ivf.nprobe = 16
        lat = []
        for q in queries:
            t = time.perf_counter()
            ivf.search(q[None, :], 100)
            lat.append((time.perf_counter() - t) * 1000)
        _, got = ivf.search(queries, k)
        out[f"ivf{nlist}_nprobe16_recall@{k}"] = _recall(truth, got)
        out["ivf_search_ms"] = Percentiles.of(lat)
    out["auto_kind"] = "flat" if len(vectors) <= FLAT_MAX else "hnsw"
    return out


def _recall(truth: np.ndarray, got: np.ndarray) -> float:
    hits = sum(len(set(t) & set(g)) for t, g in zip(truth, got))
    return round(hits / truth.size, 4)


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

    t = time.perf_counter()
    tokens = tokenizer.tokenize_many(search_texts)
    res["tokenize_s"] = time.perf_counter() - t
    t = time.perf_counter()
    lexical = LexicalIndex.build(tokens)
    res["bm25_build_s"] = time.perf_counter() - t
    del tokens

    t = time.perf_counter()
    chunk_vecs, sent_vecs, sent_rows = derived_vectors(base, members)
    res["derive_vectors_s"] = time.perf_counter() - t
    res["sentence_vectors"] = len(sent_vecs)

    t = time.perf_counter()
    dense = DenseIndex.build(chunk_vecs)
    res["faiss_chunk_build_s"] = time.perf_counter() - t
    t = time.perf_counter()
    sentence_dense = DenseIndex.build(sent_vecs)
    res["faiss_sentence_build_s"] = time.perf_counter() - t
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


def apply_proposed_search_fixes() -> None:
    """The two search.py changes docs/benchmarks.md proposes, patched in for a measurement only.

    1. BM25 candidates by argpartition + a sort of the top CANDIDATES (same order as the
       stable full argsort, ties by row).
    2. The coverage check's "is this word in the corpus" from a set of character
       bigrams, not a scan of the whole corpus text (a word is taken as known when all
       its bigrams occur: a superset of the exact test, so latency is a fair estimate).
    """
    import retrieval.search as S

    class _NumpyWithTopK:
        def __getattr__(self, name):
            return getattr(np, name)

        @staticmethod
        def argsort(a, *args, **kwargs):
            k = S.CANDIDATES
            if getattr(a, "ndim", 0) == 1 and a.size > 4 * k:
                part = np.argpartition(a, k)[:k]
                return part[np.lexsort((part, a[part]))]
            return np.argsort(a, *args, **kwargs)

    S.np = _NumpyWithTopK()
    original_init = S.HybridSearcher.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        text = getattr(self, "_corpus_text", "")
        self._bigrams = {text[i : i + 2] for i in range(len(text) - 1)}

    def known(self, word: str) -> bool:
        if word in self.index.lexical.vocabulary:
            return True
        if not S.has_cjk(word):
            return False
        if len(word) < 2:
            return any(word in b for b in self._bigrams)
        return all(word[i : i + 2] in self._bigrams for i in range(len(word) - 1))

    S.HybridSearcher.__init__ = init
    S.HybridSearcher._known = known


def run_serve(index_dir: Path, n_queries: int, proposed: bool = False) -> dict:
    """A fresh process serving the saved index: load time, RSS, query latency, FAISS recall."""
    from retrieval.embedders import load_embedder
    from retrieval.engine import Engine, Settings
    from retrieval.index_store import IndexStore
    from retrieval.lexical import ChineseTokenizer, Glossary

    res: dict = {}
    if proposed:
        apply_proposed_search_fixes()
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
    if proposed:
        return res

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
    ap.add_argument("--proposed", action="store_true",
                    help="also serve each size with the proposed search.py fixes patched in (docs/benchmarks.md)")
    args = ap.parse_args(argv)

    if args.child:
        print(json.dumps(run_child(args.child, Path(args.base), args.queries), default=_default))
        return {}
    if args.serve:
        print(json.dumps(run_serve(Path(args.serve), args.queries, args.proposed), default=_default))
        return {}

    from retrieval.embedders import load_embedder

    embedder = load_embedder()
    sentences = corpus_sentences()
    base, sent_rate = base_vectors(sentences, embedder)
    base_path = RESULTS_DIR / "scale_base_current.npy"
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
        if args.proposed:
            fixed = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_scale", "--serve", r["index_dir"], "--queries",
                 str(args.queries), "--proposed"],
                cwd=REPO_ROOT, capture_output=True, text=True, timeout=3600,
            )
            if fixed.returncode != 0:
                print(fixed.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"serving size {n} with the proposed fixes failed")
            r["proposed"] = json.loads(fixed.stdout.strip().splitlines()[-1])
            pq = r["proposed"]["query_ms"]
            print(f"  {n}: with the proposed search.py fixes, query p50 {pq['p50']} ms, p95 {pq['p95']} ms",
                  file=sys.stderr)
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
