"""Read an uploaded file in a child process with a memory and a time limit.

Parsers are where hostile files do their damage: a decompression bomb, a PDF whose
page tree or content streams take minutes, a file that makes lxml or pypdf allocate
gigabytes. The size and page checks in `readers` refuse the known shapes before reading;
this is the backstop for the rest. The child sets RLIMIT_AS (address space) and
RLIMIT_CPU on itself before importing any parser, the parent kills it after a wall-clock
timeout, and whatever happens there, the server process that serves everyone else never
holds the file's expansion in its own memory.

Protocol: stdin carries one JSON line (file name and keyword arguments) and then the
file's bytes; stdout carries one JSON object, the Document's fields or the rejection's
code and messages. JSON, not pickle, so that a child tricked into writing something odd
cannot make the parent run code.

    python -m retrieval.sandbox  <request      (used by read_document_isolated only)
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

ENV_MEMORY_MB = "POLICY_QA_PARSE_MEMORY_MB"
ENV_SECONDS = "POLICY_QA_PARSE_SECONDS"
# Generous for a 2,000-page PDF or OCR of scanned pages; far below what a bomb would take.
DEFAULT_MEMORY_MB = 2048
DEFAULT_SECONDS = 120.0

_PACKAGE_PARENT = Path(__file__).resolve().parents[1]


def _limit(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


def memory_limit_bytes() -> int:
    return int(_limit(ENV_MEMORY_MB, DEFAULT_MEMORY_MB) * 1024 * 1024)


def time_limit_seconds() -> float:
    return _limit(ENV_SECONDS, DEFAULT_SECONDS)


def _too_complex(detail: str):
    from .readers import DocumentRejected

    return DocumentRejected(
        "too_complex",
        "文件过大或过于复杂，超出了读取时允许的内存或时间，未添加",
        f"the file needs more memory or time to read than allowed ({detail}); it was not added",
    )


def read_document_isolated(data: bytes, filename: str, meta=None, progress=None, **kwargs):
    """`readers.read_document(data, filename, meta, **kwargs)`, run in a limited child process.

    Returns the Document, or raises DocumentRejected: the reader's own rejection, or
    `too_complex` when the child ran out of memory or time. `progress(stage, done, total)`
    hears the child's per-page OCR progress as it happens.
    """
    from .documents import Document
    from .readers import DocumentRejected

    seconds = time_limit_seconds()
    request = json.dumps(
        {
            "filename": filename, "meta": dataclasses.asdict(meta) if meta is not None else {}, "kwargs": kwargs,
            "memory": memory_limit_bytes(), "cpu": int(seconds) + 1,
        },
        ensure_ascii=False,
    ).encode("utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PACKAGE_PARENT), env.get("PYTHONPATH", "")]))
    # Thread pools reserve address space per thread; one thread keeps RLIMIT_AS meaningful.
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if progress is not None:
        env[PROGRESS_ENV] = "1"
    try:
        proc = _run_child(request + b"\n" + data, seconds, env, progress)
    except subprocess.TimeoutExpired as exc:
        raise _too_complex(f"still reading after {seconds:.0f} s") from exc
    try:
        reply = json.loads(proc.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        reply = None
    if not isinstance(reply, dict):
        detail = f"exit status {proc.returncode}"
        if proc.returncode < 0:
            detail = f"stopped by signal {-proc.returncode}"
        raise _too_complex(detail)
    if "rejected" in reply:
        r = reply["rejected"]
        raise DocumentRejected(str(r["code"]), str(r["zh"]), str(r["en"]))
    fields = {f.name for f in dataclasses.fields(Document)}
    doc = {k: _tuples(v) for k, v in reply["document"].items() if k in fields}
    return Document(**doc)


# The child reports progress (OCR, page by page) as lines on stderr: PROGRESS_PREFIX stage done total.
PROGRESS_ENV = "POLICY_QA_PROGRESS_STDERR"
PROGRESS_PREFIX = "policy-qa-progress"


def _run_child(stdin: bytes, seconds: float, env: dict, progress) -> subprocess.CompletedProcess:
    if progress is None:
        return subprocess.run(
            [sys.executable, "-m", "retrieval.sandbox"],
            input=stdin, capture_output=True, timeout=seconds, cwd=_PACKAGE_PARENT, env=env,
        )
    import threading

    proc = subprocess.Popen(
        [sys.executable, "-m", "retrieval.sandbox"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=_PACKAGE_PARENT, env=env,
    )
    out: list[bytes] = []

    def feed() -> None:
        try:
            proc.stdin.write(stdin)
            proc.stdin.close()
        except OSError:
            pass  # the child died or refused early; its exit status says why

    def report() -> None:
        for raw in proc.stderr:
            parts = raw.decode("utf-8", "replace").split()
            if len(parts) == 4 and parts[0] == PROGRESS_PREFIX and parts[2].isdigit() and parts[3].isdigit():
                try:
                    progress(parts[1], int(parts[2]), int(parts[3]))
                except Exception:  # a display callback must not break the read
                    pass

    threads = [
        threading.Thread(target=feed, daemon=True),
        threading.Thread(target=report, daemon=True),
        threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True),
    ]
    for t in threads:
        t.start()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    for t in threads:
        t.join(timeout=5)
    return subprocess.CompletedProcess(proc.args, proc.returncode, b"".join(out), b"")


def _tuples(value):
    """JSON lists back into the tuples the frozen Document holds."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _child() -> None:
    import resource

    header = sys.stdin.buffer.readline()
    request = json.loads(header.decode("utf-8"))
    data = sys.stdin.buffer.read()
    # Before any parser is imported: whatever it allocates counts against the limit.
    resource.setrlimit(resource.RLIMIT_AS, (request["memory"], request["memory"]))
    resource.setrlimit(resource.RLIMIT_CPU, (request["cpu"], request["cpu"] + 1))
    from .documents import DocumentMeta
    from .readers import DocumentRejected, read_document

    try:
        doc = read_document(data, request["filename"], DocumentMeta(**request["meta"]), **request["kwargs"])
    except DocumentRejected as exc:
        reply = {"rejected": {"code": exc.code, "zh": exc.zh, "en": exc.en}}
    except MemoryError:
        del data
        exc = _too_complex("out of memory")
        reply = {"rejected": {"code": exc.code, "zh": exc.zh, "en": exc.en}}
    else:
        reply = {"document": dataclasses.asdict(doc)}
    sys.stdout.write(json.dumps(reply, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    _child()
