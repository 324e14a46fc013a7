"""README's and docs/benchmarks.md's figure tables are what the committed results generate."""

from __future__ import annotations

import json
import shutil

from benchmarks import readme


def test_generated_tables_match_the_committed_results():
    results = readme.load_results()
    for path in readme.TARGETS:
        text = path.read_text(encoding="utf-8")
        assert readme.render(text, results) == text, f"{path.name} is stale: run python -m benchmarks.readme"


def test_every_block_is_generated_and_a_changed_result_changes_the_table(tmp_path):
    folder = tmp_path / "results"
    shutil.copytree(readme.RESULTS, folder)
    readme_text = readme.TARGETS[0].read_text(encoding="utf-8")
    assert {"quality", "performance"} <= {m.group("name") for m in readme._BLOCK_RE.finditer(readme_text)}

    evals = sorted(folder.glob("eval-*.json"))
    assert evals, "no eval-*.json results: README's quality table would be empty"
    record = json.loads(evals[0].read_text(encoding="utf-8"))
    record["summary"]["top1"] = 0.1234
    record["role"] = "held out"
    evals[0].write_text(json.dumps(record), encoding="utf-8")
    changed = readme.render(readme_text, readme.load_results(folder))
    assert changed != readme_text
    row = next(line for line in changed.splitlines() if f"`{record['dataset']}`" in line)
    assert "| held out |" in row and "| 0.12 |" in row
