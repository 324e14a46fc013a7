"""Shared helpers for the benchmark scripts: percentiles, memory, machine facts, JSON output.

Benchmarks are scripts that print a table and write `benchmarks/results/<name>.json`
(git-ignored); they are not timed tests, so nothing here asserts a target.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, is_dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(os.environ.get("POLICY_QA_BENCH_RESULTS", REPO_ROOT / "benchmarks" / "results"))
DEV_SET = REPO_ROOT.parent / "shared" / "eval" / "dev.jsonl"

if str(REPO_ROOT) not in sys.path:  # the scripts run as `python benchmarks/x.py` too
    sys.path.insert(0, str(REPO_ROOT))


@dataclass(frozen=True)
class Percentiles:
    n: int
    p50: float
    p95: float
    mean: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Percentiles:
        a = np.asarray(values, dtype=float)
        if a.size == 0:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"))
        return cls(
            int(a.size),
            round(float(np.percentile(a, 50)), 3),
            round(float(np.percentile(a, 95)), 3),
            round(float(a.mean()), 3),
            round(float(a.max()), 3),
        )


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def proc_status_mb(field: str, pid: int | str = "self") -> float | None:
    """A memory line of /proc/<pid>/status (VmRSS, VmHWM …) in MB; None where there is none."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def current_rss_mb() -> float:
    mb = proc_status_mb("VmRSS")
    return float("nan") if mb is None else mb


def reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark so a later peak measures one phase only."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def hwm_rss_mb() -> float:
    """VmHWM: the peak since the last reset_peak_rss() (ru_maxrss cannot be reset)."""
    mb = proc_status_mb("VmHWM")
    return peak_rss_mb() if mb is None else mb


def dir_size_mb(path: Path) -> float:
    total = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
    return round(total / 1e6, 3)


def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        mem_gb = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "mem_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git": commit,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        # Other work on the machine inflates every figure: keep it with the results.
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def _jsonable(obj):
    if is_dataclass(obj):
        return asdict(obj)
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj)}")


def write_result(name: str, payload: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    doc = {
        "benchmark": name,
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        **payload,
    }
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=_jsonable) + "\n", encoding="utf-8")
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence], title: str | None = None) -> str:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    if title:
        lines.append(title)
    for n, r in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if n else c.ljust(w) for c, w in zip(r, widths)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(c) -> str:
    if isinstance(c, float):
        if c != c:
            return "-"
        return f"{c:.3f}" if abs(c) < 10 else f"{c:.1f}"
    return str(c)


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start

    @property
    def ms(self) -> float:
        return self.seconds * 1000


def dev_questions(path: Path = DEV_SET) -> list[str]:
    """The fixed question list: the dev set's questions in file order."""
    return [json.loads(l)["q"] for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def bench_settings(tmp_root: Path | None = None):
    """Settings over the shipped corpus and index (a fresh clone's state), data in a temp folder."""
    import tempfile

    from retrieval.engine import Settings

    data = Path(tmp_root or tempfile.mkdtemp(prefix="policy-qa-bench-")) / "data"
    return Settings.from_env(data_dir=data)
