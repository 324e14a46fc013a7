"""README's and docs/benchmarks.md's figures, generated from the committed results so they cannot drift.

    python -m benchmarks.readme            # rewrite the generated blocks
    python -m benchmarks.readme --check    # exit 1 if a block differs from what the results say (CI)

Sources, all in `benchmarks/results/`:
- `eval-*.json`, written by `python -m retrieval eval --dataset X --json-out ...` (with
  `--held-out` for a set never used to choose rules or thresholds);
- `bench_query.json`, `bench_cold.json`, `bench_build.json`, `bench_scale.json`,
  `bench_baseline.json`, written by the benchmark scripts.
A block shows whatever results exist; a figure with no result behind it is not shown.
Each block sits between `<!-- generated: NAME -->` and `<!-- end generated: NAME -->`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS = REPO_ROOT / "benchmarks" / "results"
TARGETS = (REPO_ROOT / "README.md", REPO_ROOT / "docs" / "benchmarks.md")
_BLOCK_RE = re.compile(r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end generated: (?P=name) -->)", re.S)


def load_results(folder: Path = RESULTS) -> dict[str, dict]:
    """Every result file by its stem (bench_query, eval-dev, ...)."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def _f2(x) -> str:
    return f"{x:.2f}"


def _ms(x) -> str:
    return f"{x:.1f}" if x < 100 else f"{x:.0f}"


def _run(doc: dict) -> str:
    """When and under what load a result was measured: every figure carries it."""
    load = (doc.get("machine") or {}).get("loadavg") or ["?"]
    return f"{doc.get('when', '?')[:10]}, load {load[0]}"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def quality(results: dict[str, dict]) -> str:
    evals = [doc for name, doc in results.items() if name.startswith("eval-")]
    evals.sort(key=lambda d: (d["role"] == "held out", d["dataset"]))
    rows = []
    for d in evals:
        s = d["summary"]
        k = d["k"]
        added = " — with the test regulation and plan added" if d.get("library") else ""
        rows.append([
            f"`{d['dataset']}` ({d['answerable']} answerable + {d['out_of_scope']} out of scope){added}",
            d["role"],
            *(_f2(s[f"recall@{k}"]), _f2(s["top1"]), _f2(s["oos_acc"]), str(s["false_abstain"]), _f2(s["answer_acc"])),
            f"{s['median_citation_chars']:.0f}",
        ])
    base = results.get("bench_baseline")
    if base:
        m = base["baseline"]["metrics"]
        rows.append([
            f"usual recipe on dev, for reference ({base['baseline']['chunk_size']}-char chunks of the raw page, "
            f"same model, FAISS flat; `bench_baseline`, {_run(base)})",
            "–",
            _f2(m["recall@5"]), _f2(m["top1"]), _f2(m["oos_acc"]), str(m["false_abstain"]), "–",
            f"{m['median_citation_chars']:.0f}",
        ])
    if not rows:
        return "No evaluation results yet: `python -m retrieval eval --json-out benchmarks/results/eval-NAME.json`.\n"
    models = sorted({d["model"] or "lexical only" for d in evals})
    head = f"Model: {', '.join(models)}; top-k {evals[0]['k'] if evals else 5}.\n\n" if evals else ""
    return head + _table(
        ["set", "split", "recall@5", "top1", "oos_acc", "false_abstain", "answer_acc", "median citation (chars)"], rows
    )


def _query_row(d: dict) -> list[str]:
    u, c = d["latency_ms"]["uncached"], d["latency_ms"]["cached"]
    st = u["stages"]
    parts = [f"p50 {_ms(u['wall']['p50'])} ms, p95 {_ms(u['wall']['p95'])} ms"]
    if "embed" in st and "answer" in st:
        parts[0] += f" (embedding {_ms(st['embed']['p50'])} ms, answer {_ms(st['answer']['p50'])} ms)"
    q = d["qps"]
    parts.append(f"{q['uncached_1t']:.0f} q/s on one thread, {q['uncached_2t']:.0f} on two; repeated question {_ms(c['wall']['p50'])} ms")
    t = d["targets"]
    return [f"`bench_query`: warm, {d['questions']} new questions × {d['rounds']} ({_run(d)})", "; ".join(parts),
            f"p50 ≤ {t['p50_ms']}, p95 ≤ {t['p95_ms']} ms"]


def _cold_rows(d: dict) -> list[list[str]]:
    st = d["process"]["stats"]
    rows = [[f"`bench_cold`: fresh process → first answer, shipped index ({_run(d)})",
             f"{st['wall']['p50']:.1f} s (index {st['index']['p50']:.1f} s, first answer {st['first_answer']['p50']:.1f} s)",
             f"≤ {d['target_s']} s"]]
    b = d["browser"]["stats"]
    if b:
        rows.append([f"`bench_cold`: `streamlit run` → first answer in Chromium ({_run(d)})",
                     f"{b['answered']['p50']:.1f} s (question box ready at {b['input_ready']['p50']:.1f} s)", f"≤ {d['target_s']} s"])
    return rows


def _build_row(d: dict) -> list[str]:
    st, r0 = d["stats"], d["runs"][0]
    return [f"`bench_build`: shipped corpus, {r0['chunks']} chunks + sentences ({_run(d)})",
            f"{st['build_s']['p50']:.0f} s ({r0['vectors_embedded'] / st['embed_s']['p50']:.1f} texts/s embedded), "
            f"{st['index_mb']['p50']:.2f} MB, peak RSS {st['peak_rss_mb']['p50']:.0f} MB", ""]


def _scale_row(d: dict) -> list[str]:
    parts = []
    for r in d["sizes"]:
        q = r["query_ms"]
        parts.append(f"{r['chunks']:,} chunks: query p50 {_ms(q['p50'])} / p95 {_ms(q['p95'])} ms, "
                     f"serving RSS {r['serve_peak_rss_mb']:.0f} MB")
    t = d["targets"]
    return [f"`bench_scale`: synthetic library ({_run(d)})", "; ".join(parts),
            f"at 100k: p95 ≤ {t['p95_ms_at_100k']} ms, RSS ≤ {t['rss_gb_at_100k']} GB"]


def _baseline_row(d: dict) -> list[str]:
    o, b = d["ours"], d["baseline"]
    return [f"`bench_baseline` vs the usual recipe ({b['chunk_size']}-char chunks, same model, FAISS flat; {_run(d)})",
            f"top1 {_f2(o['metrics']['top1'])} vs {_f2(b['metrics']['top1'])}, recall@5 {_f2(o['metrics']['recall@5'])} vs "
            f"{_f2(b['metrics']['recall@5'])}, out of scope declined {o['metrics']['oos_acc']:.0%} vs {b['metrics']['oos_acc']:.0%}, "
            f"citations {o['metrics']['median_citation_chars']:.0f} vs {b['metrics']['median_citation_chars']:.0f} chars; "
            f"latency p50 {_ms(o['latency_ms']['p50'])} vs {_ms(b['latency_ms']['p50'])} ms", ""]


def performance(results: dict[str, dict]) -> str:
    rows: list[list[str]] = []
    if "bench_query" in results:
        rows.append(_query_row(results["bench_query"]))
    if "bench_cold" in results:
        rows += _cold_rows(results["bench_cold"])
    if "bench_build" in results:
        rows.append(_build_row(results["bench_build"]))
    if "bench_scale" in results:
        rows.append(_scale_row(results["bench_scale"]))
    if "bench_baseline" in results:
        rows.append(_baseline_row(results["bench_baseline"]))
    if not rows:
        return "No benchmark results yet: run the scripts in `benchmarks/`.\n"
    machines = {(d["machine"]["cpu"], d["machine"]["cores"], d["machine"]["mem_gb"])
                for n, d in results.items() if n.startswith("bench_") and "machine" in d}
    head = "".join(f"Machine: {cpu}, {cores} cores, {mem} GB.\n" for cpu, cores, mem in sorted(machines, key=str))
    return head + "\n" + _table(["benchmark", "result (median of runs)", "target"], rows)


def baseline(results: dict[str, dict]) -> str:
    d = results.get("bench_baseline")
    if not d:
        return "No result yet: `python -m benchmarks.bench_baseline`.\n"
    o, b = d["ours"], d["baseline"]
    rows = []
    for key, label in (("recall@5", "recall@5"), ("top1", "top-1"), ("oos_acc", "out-of-scope declined"),
                       ("answer_acc", "answer contains the expected phrase"),
                       ("median_citation_chars", "median citation length (chars)")):
        x, y = o["metrics"][key], b["metrics"][key]
        ratio = f"{x / y:.2f}" if y else "–"
        fmt = (lambda v: f"{v:.0f}") if key == "median_citation_chars" else _f2
        rows.append([label, fmt(x), fmt(y), ratio])
    for key in ("p50", "p95"):
        x, y = o["latency_ms"][key], b["latency_ms"][key]
        rows.append([f"latency {key}", f"{_ms(x)} ms", f"{_ms(y)} ms", f"{x / y:.2f}"])
    return f"{d['questions']} dev questions, {_run(d)}.\n\n" + _table(["measure", "ours", "baseline", "ours / baseline"], rows)


BLOCKS: dict[str, Callable[[dict[str, dict]], str]] = {"quality": quality, "performance": performance, "baseline": baseline}


def render(text: str, results: dict[str, dict]) -> str:
    def one(m: re.Match) -> str:
        make = BLOCKS.get(m.group("name"))
        if make is None:
            raise SystemExit(f"unknown generated block {m.group('name')!r}")
        return m.group(1) + make(results) + m.group(4)

    return _BLOCK_RE.sub(one, text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if a file differs from what the results generate")
    args = ap.parse_args(argv)
    results = load_results()
    stale = []
    for path in TARGETS:
        text = path.read_text(encoding="utf-8")
        new = render(text, results)
        if new != text:
            stale.append(path.relative_to(REPO_ROOT))
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(map(str, stale))}; run python -m benchmarks.readme", file=sys.stderr)
        return 1
    for p in stale:
        print(f"rewrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
