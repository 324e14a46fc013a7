"""The command line in this process: `main()` with its output captured, as `python -m retrieval` would run.

The same parser and commands as the subprocess, without an interpreter start-up (and
model, dictionary and index loads) for every call. Set the POLICY_QA_* variables first
(monkeypatch.setenv).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from unittest.mock import patch

from retrieval.cli import main


def settings_env(settings) -> dict[str, str]:
    """The variables that point the command line (or the app) at these folders and this model."""
    return {
        "POLICY_QA_EMBED_MODEL": settings.model,
        "POLICY_QA_CORPUS_DIR": str(settings.corpus_dir),
        "POLICY_QA_DATA_DIR": str(settings.data_dir),
        "POLICY_QA_INDEX_DIR": str(settings.index_dir),
    }


def run_cli_over(settings, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    """run_cli with the variables of `settings` (and `env`) set for this call only."""
    with patch.dict(os.environ, {**settings_env(settings), **env}):
        return run_cli(*args, stdin=stdin)


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Exit status, stdout and stderr of `python -m retrieval ARGS`."""
    out, err = io.StringIO(), io.StringIO()
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = exc.code
                if code is not None and not isinstance(code, int):
                    print(code, file=sys.stderr)  # as the interpreter does: a message means status 1
                    code = 1
    finally:
        sys.stdin = saved_stdin
    return subprocess.CompletedProcess(list(args), code or 0, out.getvalue(), err.getvalue())
