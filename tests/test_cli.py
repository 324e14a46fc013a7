"""The command line on a real index: `python -m retrieval` in a subprocess once, then its
`main()` in this process (the same parser and commands, without an interpreter start-up each)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from retrieval.engine import REPO_ROOT
from tests._cli import run_cli, settings_env

from .conftest import DEV_SET


@pytest.fixture
def env(fast_engine, fast_settings, monkeypatch):
    # `fast_engine` has already built the index in these folders, so the CLI only loads it.
    values = settings_env(fast_settings)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run_process(env, *args, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "retrieval", *args],
        capture_output=True, text=True, env={**os.environ, **env}, cwd=REPO_ROOT, input=stdin, timeout=600,
    )


@pytest.mark.slow  # the python -m retrieval entry point, in another process
def test_ask_json_shape(env):
    r = run_process(env, "ask", "试点城市的实施方案要在什么时候之前印发？", "--json", "--top-k", "3")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert list(data) == ["question", "answerable", "answer", "dense", "citations", "timings_ms"]
    assert data["answerable"] is True and data["dense"] is True and "9月底" in data["answer"]
    assert len(data["citations"]) == 3
    c = data["citations"][0]
    assert list(c) == ["rank", "chunk_id", "doc_id", "doc_title", "authority", "section", "text", "start", "end", "score"]
    assert c["rank"] == 1 and isinstance(c["score"], float)


def test_ask_human_readable_and_declined(env):
    r = run_cli("ask", "个人所得税专项附加扣除怎么申报？")
    assert r.returncode == 0
    assert "没有涉及" in r.stdout and "官方问答" in r.stdout


def test_batch_answers_every_line(env, tmp_path):
    qs = tmp_path / "qs.txt"
    qs.write_text("试点周期是几年？\n\n试点工作的责任主体是谁？\nWho issued the notice?\n", encoding="utf-8")
    r = run_cli("ask", "--batch", str(qs), "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["question"] for row in rows] == ["试点周期是几年？", "试点工作的责任主体是谁？", "Who issued the notice?"]


def test_bad_arguments_are_clear_errors(env):
    assert "give a question" in run_cli("ask").stderr
    r = run_cli("ask", "--batch", "/no/such/file")
    assert r.returncode == 2 and "not found" in r.stderr
    r = run_cli("ask", "   ", "--json")
    assert r.returncode == 2 and "error" in json.loads(r.stdout)


def test_eval_prints_metrics_and_misses(env, tmp_path):
    out = tmp_path / "eval-dev.json"
    r = run_cli("eval", "--dataset", str(DEV_SET), "--json-out", str(out), "--held-out")
    assert r.returncode == 0, r.stderr
    for key in ["recall@5", "top1", "oos_acc", "false_abstain", "answer_acc", "median_citation_chars", "per category", "misses"]:
        assert key in r.stdout
    # The record README's quality table is generated from: which set, held out or tuned on, what model.
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["dataset"] == "../shared/eval/dev.jsonl" and record["role"] == "held out"
    assert record["model"] == "hash-ngram-v1:384" and record["answerable"] + record["out_of_scope"] == 35
    assert set(record["summary"]) >= {"recall@5", "top1", "oos_acc", "false_abstain", "answer_acc", "n"}
    # A held-out set's misses are counted, not listed: reading them is the first step of tuning on it.
    assert record["misses"] == [] and "not listed for a held-out set" in r.stdout
    shown = run_cli("eval", "--dataset", str(DEV_SET), "--held-out", "--show-misses")
    assert "not listed" not in shown.stdout


def test_build_reports_chunks(env):
    r = run_cli("build")
    assert r.returncode == 0, r.stderr
    assert "chunks from 3 documents" in r.stdout
