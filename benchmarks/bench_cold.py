"""Cold start: a fresh process to its first answer, and `streamlit run` to an answer in a browser.

    python -m benchmarks.bench_cold [--runs 3] [--no-browser]

Part 1 spawns `python -c ...` N times; the child reports its own phases (imports,
model load, index load, first answer) and the parent times the whole process from
spawn. It runs against a temp copy of the shipped prebuilt index/, as a fresh clone
would. Part 2 starts `streamlit run app.py` and drives Debian's Chromium through
Selenium: the clock starts when streamlit is spawned and stops when the answer's
"依据 Source" block is on the page (the browser is launched before the clock starts,
as a user's browser already is). Target: ≤ 8 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import REPO_ROOT, Percentiles, table, write_result
from benchmarks.app_server import chrome, chromium_installed, start_streamlit, stop, wait_healthy

QUESTION = "试点总结报告什么时候要完成？"

CHILD = r"""
import json, time, sys
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from retrieval.engine import Engine, Settings
from retrieval.embedders import load_embedder
t_import = time.perf_counter()
emb = load_embedder()
t_model = time.perf_counter()
from pathlib import Path
settings = Settings.from_env(data_dir=Path({data!r}), index_dir=Path({index!r}))
# Engine.open loads the model itself; time it apart by handing the loaded one over.
import retrieval.engine as E
E.load_embedder = lambda *a, **k: emb
engine = Engine.open(settings, say=lambda m: print("say:", m, file=sys.stderr))
t_open = time.perf_counter()
a = engine.ask({q!r})
t_ans = time.perf_counter()
import resource
print(json.dumps(dict(imports=t_import - t0, model=t_model - t_import, index=t_open - t_model,
      first_answer=t_ans - t_open, in_process=t_ans - t0, answerable=a.answerable,
      rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def _copy_index(root: Path) -> Path:
    dst = root / "index"
    if (REPO_ROOT / "index").is_dir():
        shutil.copytree(REPO_ROOT / "index", dst, ignore=shutil.ignore_patterns(".lock"))
    return dst


def process_runs(n: int) -> list[dict]:
    runs = []
    for _ in range(n):
        root = Path(tempfile.mkdtemp(prefix="policy-qa-cold-"))
        try:
            index = _copy_index(root)
            code = CHILD.format(root=str(REPO_ROOT), data=str(root / "data"), index=str(index), q=QUESTION)
            t = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
            wall = time.perf_counter() - t
            if out.returncode != 0:
                raise RuntimeError(out.stderr[-2000:])
            row = json.loads(out.stdout.strip().splitlines()[-1])
            row["wall"] = wall
            row["rebuilt"] = "Rebuilding" in out.stderr
            runs.append(row)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return runs


def browser_runs(n: int) -> list[dict] | str:
    app = REPO_ROOT / "app.py"
    if not app.exists():
        return "no app.py"
    try:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        return "selenium not installed"
    if not chromium_installed():
        return "Debian chromium/chromedriver not installed"
    runs = []
    for _ in range(n):
        driver = chrome()
        root = Path(tempfile.mkdtemp(prefix="policy-qa-cold-"))
        index = _copy_index(root)
        t0 = time.perf_counter()
        url, proc = start_streamlit({"POLICY_QA_INDEX_DIR": str(index), "POLICY_QA_DATA_DIR": str(root / "data")})
        try:
            wait_healthy(url, proc)
            t_health = time.perf_counter()
            driver.get(url)
            box = WebDriverWait(driver, 120).until(
                EC.element_to_be_clickable((By.CSS_SELECTOR, '[data-testid="stChatInputTextArea"]'))
            )
            t_input = time.perf_counter()
            box.send_keys(QUESTION)
            box.send_keys(Keys.ENTER)
            WebDriverWait(driver, 120).until(lambda d: "依据 Source" in d.find_element(By.TAG_NAME, "body").text)
            t_answer = time.perf_counter()
            runs.append(
                {"server_healthy": t_health - t0, "input_ready": t_input - t0, "answered": t_answer - t0}
            )
        finally:
            stop(proc)
            driver.quit()
            shutil.rmtree(root, ignore_errors=True)
    return runs


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args(argv)

    proc = process_runs(args.runs)
    keys = ("imports", "model", "index", "first_answer", "in_process", "wall")
    stats = {k: Percentiles.of([r[k] for r in proc]) for k in keys}
    print(table(["phase (s)", "p50", "max"], [[k, stats[k].p50, stats[k].max] for k in keys],
                title=f"bench_cold: fresh process → first answer ({args.runs} runs, prebuilt index"
                f"{', REBUILT' if any(r['rebuilt'] for r in proc) else ''})"))
    browser = "skipped" if args.no_browser else browser_runs(args.runs)
    bstats = None
    if isinstance(browser, list) and browser:
        bkeys = ("server_healthy", "input_ready", "answered")
        bstats = {k: Percentiles.of([r[k] for r in browser]) for k in bkeys}
        print(table(["streamlit run → (s)", "p50", "max"], [[k, bstats[k].p50, bstats[k].max] for k in bkeys]))
    else:
        print(f"browser part: {browser}")
    print("target: ≤ 8 s")
    payload = {"process": {"runs": proc, "stats": stats}, "browser": {"runs": browser, "stats": bstats},
               "question": QUESTION, "target_s": 8}
    print(f"wrote {write_result('bench_cold', payload)}")
    return payload


if __name__ == "__main__":
    main()
