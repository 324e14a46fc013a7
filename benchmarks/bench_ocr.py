"""OCR of scanned pages: seconds per page and peak memory, on image-only PDF pages made here.

    python -m benchmarks.bench_ocr [--pages 6] [--threads 1]

Runs in a fresh child process (so the peak RSS is OCR's own: pypdfium2 rendering plus
RapidOCR's PP-OCRv4 detection and recognition on onnxruntime), on pages of Chinese policy
text drawn with Noto CJK (tests/_scans.py): plain, rotated 1.5° and low-contrast pages
in turn. Reports model load time, seconds per page (p50/p95), characters per second,
the mean recognition confidence, and peak RSS. Writes benchmarks/results/bench_ocr.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from benchmarks._common import REPO_ROOT, Percentiles, table, write_result

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from tests._scans import SCAN_PAGES, scanned_pdf
from retrieval import ocr
pages = (SCAN_PAGES * 10)[:{pages}]
data = scanned_pdf(pages)
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t1 = time.perf_counter()
ocr._ocr_engine()
t_load = time.perf_counter() - t1
limits = ocr.OcrLimits(max_pages=1000, max_seconds=1e9)
import tempfile, os
os.environ["POLICY_QA_DATA_DIR"] = tempfile.mkdtemp()  # an empty cache: every page is read
out = ocr.ocr_pdf_pages(data, list(range(1, len(pages) + 1)), limits=limits)
print(json.dumps({{
    "load_s": t_load,
    "pages": [{{"page": p.number, "seconds": p.seconds, "chars": len(p.text), "confidence": p.confidence}} for p in out],
    "rss_before_mb": rss0,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads (OMP_NUM_THREADS)")
    args = parser.parse_args(argv)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(REPO_ROOT), pages=args.pages)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    seconds = [p["seconds"] for p in result["pages"]]
    chars = sum(p["chars"] for p in result["pages"])
    per_page = Percentiles.of(seconds)
    summary = {
        "pages": len(seconds),
        "threads": args.threads,
        "render_scale": 2.0,
        "model_load_s": round(result["load_s"], 2),
        "seconds_per_page": per_page,
        "chars_per_s": round(chars / sum(seconds), 1),
        "mean_confidence": round(sum(p["confidence"] for p in result["pages"]) / len(seconds), 4),
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
        "rss_before_ocr_mb": round(result["rss_before_mb"], 1),
        "per_page": result["pages"],
    }
    print(
        table(
            ["pages", "threads", "load s", "s/page p50", "s/page p95", "chars/s", "confidence", "peak RSS MB"],
            [[len(seconds), args.threads, summary["model_load_s"], per_page.p50, per_page.p95, summary["chars_per_s"],
              summary["mean_confidence"], summary["peak_rss_mb"]]],
            title="OCR of scanned A4 pages (144 dpi, PP-OCRv4 via RapidOCR)",
        )
    )
    print(f"→ {write_result('bench_ocr', summary)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
