"""Quality on documents a city adds: the test regulation and plan added to the shipped library.

    python -m benchmarks.eval_added     # writes benchmarks/results/eval-added_tune.json, eval-added_docs.json

`eval/added_tune.jsonl` (40 questions, read while choosing rules) and `eval/added_docs.jsonl`
(30, frozen before any of them were: held out) were written from the two documents alone. The
library is the shipped index (not rebuilt) plus `tests/data/regulation_hr_market.txt` and
`tests/data/plan_province_pilot.txt`, added as `python -m retrieval add` adds them.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from benchmarks._common import REPO_ROOT

from retrieval.documents import LAW, LOCAL_PLAN, DocumentMeta
from retrieval.engine import Engine, Settings
from retrieval.evaluation import HELD_OUT, TUNED_ON, evaluate, load_dataset, result_record
from retrieval.library import Library

DATA = REPO_ROOT / "tests" / "data"
DOCUMENTS = (
    (DATA / "regulation_hr_market.txt", DocumentMeta(title="某省人力资源市场条例", authority=LAW)),
    (DATA / "plan_province_pilot.txt", DocumentMeta(title="某省人力资源服务业与制造业融合发展试点实施方案", authority=LOCAL_PLAN)),
)
SETS = (("eval/added_tune.jsonl", TUNED_ON), ("eval/added_docs.jsonl", HELD_OUT))
LIBRARY = "shipped documents + tests/data/regulation_hr_market.txt, plan_province_pilot.txt"


def library_engine(root: Path) -> Engine:
    shutil.copytree(REPO_ROOT / "corpus", root / "corpus")
    shutil.copytree(REPO_ROOT / "index", root / "index", ignore=shutil.ignore_patterns(".lock"))
    settings = Settings(corpus_dir=root / "corpus", data_dir=root / "data", index_dir=root / "index")
    library = Library(Engine.open(settings))
    for path, meta in DOCUMENTS:
        library.add(path.read_bytes(), path.name, meta)
    return library.engine


def main() -> int:
    out_dir = REPO_ROOT / "benchmarks" / "results"
    with tempfile.TemporaryDirectory() as tmp:
        engine = library_engine(Path(tmp))
        for dataset, role in SETS:
            report = evaluate(engine.ask, load_dataset(REPO_ROOT / dataset))
            record = result_record(report, dataset, role, engine.status().model, engine.dense)
            record["library"] = LIBRARY
            record["when"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
            name = Path(dataset).stem
            (out_dir / f"eval-{name}.json").write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            s = report.summary()
            print(f"{dataset:26} {role:9} recall@5 {s['recall@5']:.2f} top1 {s['top1']:.2f} oos {s['oos_acc']:.2f} "
                  f"false_abstain {s['false_abstain']} answer_acc {s['answer_acc']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
