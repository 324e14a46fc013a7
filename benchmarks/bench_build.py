"""Index build for the shipped corpus: time per stage, index size on disk, peak RSS.

    python -m benchmarks.bench_build [--runs 1]

Each run is a fresh child process (so peak RSS is the build's own), loading the
default model and building into a temp folder; the model load is timed apart.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from benchmarks._common import REPO_ROOT, Percentiles, table, write_result

CHILD = r"""
import json, sys, time, tempfile, resource
from pathlib import Path
sys.path.insert(0, {root!r})
sys.path.insert(0, {root!r} + "/benchmarks")
from _common import dir_size_mb, current_rss_mb
from retrieval.engine import Settings, load_documents
from retrieval.embedders import load_embedder
from retrieval.index_store import IndexStore, build_index
from retrieval.lexical import ChineseTokenizer
t0 = time.perf_counter()
emb = load_embedder()
tok = ChineseTokenizer()
t_load = time.perf_counter()
rss_loaded = current_rss_mb()
docs = load_documents(Settings.from_env(data_dir=Path(tempfile.mkdtemp()) / "data"))
stages, last = {{}}, [time.perf_counter(), None]
texts_embedded = [0]
def progress(stage, done, total):
    now = time.perf_counter()
    if stage != last[1]:
        last[0], last[1] = now, stage
    stages.setdefault(stage, [now, now])[1] = now
    if stage == "embed":
        texts_embedded[0] = total
t = time.perf_counter()
index = build_index(docs, emb, tok, progress)
t_build = time.perf_counter() - t
out = Path(tempfile.mkdtemp()) / "index"
t = time.perf_counter()
store = IndexStore(out)
with store.lock():
    folder = store.save(index)
t_save = time.perf_counter() - t
print(json.dumps(dict(
    load_s=t_load - t0, build_s=t_build, save_s=t_save, chunks=len(index.chunks),
    vectors_embedded=texts_embedded[0], documents=len(docs),
    embed_s=(stages["embed"][1] - stages["chunk"][1]) if "embed" in stages and "chunk" in stages else None,
    index_mb=dir_size_mb(folder), rss_after_load_mb=rss_loaded,
    peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args(argv)
    runs = []
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(REPO_ROOT))],
                             capture_output=True, text=True, timeout=3600)
        if out.returncode != 0:
            raise SystemExit(out.stderr[-3000:])
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    keys = ("load_s", "build_s", "embed_s", "save_s", "index_mb", "rss_after_load_mb", "peak_rss_mb")
    stats = {k: Percentiles.of([r[k] for r in runs if r.get(k) is not None]) for k in keys}
    r0 = runs[0]
    print(table(["measure", "median"], [[k, stats[k].p50] for k in keys],
                title=f"bench_build: {r0['documents']} documents → {r0['chunks']} chunks, "
                      f"{r0['vectors_embedded']} texts embedded (chunks + sentences), {args.runs} run(s)"))
    if stats["embed_s"].p50 and stats["embed_s"].p50 == stats["embed_s"].p50:
        print(f"embedding throughput: {r0['vectors_embedded'] / stats['embed_s'].p50:.1f} texts/s")
    payload = {"runs": runs, "stats": stats}
    print(f"wrote {write_result('bench_build', payload)}")
    return payload


if __name__ == "__main__":
    main()
