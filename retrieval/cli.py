"""Command line: python -m retrieval {import-seed,build,ask,eval,add,remove,list,serve}."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .documents import AUTHORITY_LABELS_ZH, CorpusDir
from .engine import REPO_ROOT, Answer, Engine, QuestionError, Settings
from .embedders import EmbedderUnavailable

DEFAULT_SEED = REPO_ROOT.parent / "shared" / "seed"


def _progress():
    """A build progress callback that draws tqdm bars on stderr."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def report(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            unit = {"embed": "text", "ocr": "page"}.get(stage, "chunk")
            bar = bars[stage] = tqdm(total=total, desc=f"{stage:8}", unit=unit, file=sys.stderr)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return report


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


def _open_engine(args) -> Engine:
    settings = Settings.from_env(index_dir=getattr(args, "index_dir", None))
    # On the command line a model that cannot load is an error, not a silent fallback.
    try:
        return Engine.open(settings, progress=_progress(), say=_say, strict=not getattr(args, "lexical_only", False))
    except EmbedderUnavailable as exc:
        raise SystemExit(f"error: {exc}\n(use --lexical-only to answer with keyword search alone)")


def cmd_import_seed(args) -> int:
    from .seed_import import documents_from_seed

    docs = documents_from_seed(args.seed)
    out = CorpusDir(args.out)
    out.write_all(docs)
    for d in docs:
        print(f"{d.doc_id:16} {len(d.text):6} chars  {AUTHORITY_LABELS_ZH[d.authority]}  {d.title}")
    print(f"wrote {len(docs)} documents to {out.path}")
    return 0


def cmd_build(args) -> int:
    started = time.perf_counter()
    engine = _open_engine(args)
    if args.force:
        engine.rebuild(progress=_progress())
    st = engine.status()
    print(
        f"index: {st.chunks} chunks from {st.documents} documents, model {st.model or 'none (lexical only)'}, "
        f"built {st.built_at}, in {time.perf_counter() - started:.1f}s → {st.index_dir}"
    )
    return 0


def format_answer(a: Answer) -> str:
    lines = [f"问 {a.question}"]
    if not a.answerable:
        lines.append(f"答 {a.answer}")
        if a.suggestions:
            lines.append("您可以试试这些官方问答 (nearest official questions):")
            lines += [f"  · {s}" for s in a.suggestions]
        return "\n".join(lines)
    lines.append(f"答 {a.answer}")
    for c in a.citations:
        page = f" p.{c.page}" if c.page else ""
        lines.append(f"[{c.rank}] {AUTHORITY_LABELS_ZH.get(c.authority, c.authority)} · {c.doc_title} · {c.section}{page}")
        lines.append(f"    {c.text.replace(chr(10), ' ')}")
    if not a.dense:
        lines.append("(仅关键词检索 / lexical search only)")
    return "\n".join(lines)


def cmd_ask(args) -> int:
    questions: list[str] = []
    if args.batch:
        text = sys.stdin.read() if args.batch == "-" else Path(args.batch).read_text(encoding="utf-8")
        questions = [line.strip() for line in text.splitlines() if line.strip()]
    if args.question:
        questions.insert(0, args.question)
    if not questions:
        raise SystemExit("error: give a question, or --batch FILE with one question per line")
    from .followup import complete

    authorities = _authorities(args)  # a misspelt kind is an error before anything loads
    engine = _open_engine(args)
    scope = _scope(args, engine, authorities)
    status = 0
    for q in questions:
        # A follow-up ("那高校呢？") is completed from the earlier questions given with --after.
        completion = complete(q, args.after or [])
        try:
            a = engine.ask(completion.question, top_k=args.top_k, scope=scope)
        except QuestionError as exc:
            status = 2
            if args.json:
                print(json.dumps({"question": q, "error": str(exc)}, ensure_ascii=False))
            else:
                print(f"问 {q}\n错误 {exc}")
            continue
        if args.json:
            data = a.to_json()
            if completion.rewritten:
                data["question"] = completion.original
                data["understood_as"] = completion.question
            print(json.dumps(data, ensure_ascii=False))
        elif completion.rewritten:
            print(f"问 {completion.original}\n理解为 Understood as: {completion.question}\n"
                  + format_answer(a).split("\n", 1)[1] + "\n")
        else:
            print(format_answer(a) + "\n")
    return status


def _authorities(args) -> list[str]:
    from .documents import authorities_of

    try:
        return [a for kind in args.authority or [] for a in authorities_of(kind)]
    except ValueError as exc:
        raise SystemExit(f"error: {exc}")


def _scope(args, engine, authorities: list[str]):
    """ask --doc DOC_ID (repeatable) and --authority KIND (repeatable) → a Scope; None for everything."""
    from .scope import Scope

    docs = args.doc or []
    if not docs and not authorities:
        return None
    unknown = [d for d in docs if engine.index.document(d) is None]
    if unknown:
        known = ", ".join(d.doc_id for d in engine.index.documents)
        raise SystemExit(f"error: no document {', '.join(unknown)} (documents: {known})")
    return Scope.of(doc_ids=docs, authorities=authorities)


def cmd_eval(args) -> int:
    from .evaluation import evaluate, load_dataset

    items = load_dataset(args.dataset)
    engine = _open_engine(args)
    report = evaluate(lambda q: engine.ask(q, top_k=args.top_k), items, k=args.top_k)
    if args.json_out:
        _write_eval_record(args, report, engine)
    if args.json:
        print(json.dumps(report.summary(), ensure_ascii=False))
        return 0
    s = report.summary()
    print(f"dataset {args.dataset}  ({s['n']} questions, dense={'on' if engine.dense else 'off'})")
    for key, value in s.items():
        if key != "n":
            print(f"  {key:22} {value}")
    print("\nper category:")
    print(f"  {'category':14} {'n':>3} {'recall@k':>9} {'top1':>6} {'declined':>9}")
    for cat, row in report.per_category().items():
        print(f"  {cat:14} {row['n']:>3} {row['recall@k']:>9.2f} {row['top1']:>6.2f} {row['declined']:>9}")
    misses = report.misses()
    print(f"\nmisses ({len(misses)}):")
    if args.held_out and not args.show_misses:
        # Reading a held-out set's misses is the first step of tuning on it.
        print("  not listed for a held-out set (--show-misses lists them)")
        return 0
    for r in misses:
        what = (
            "declined" if not r.answer.answerable else f"evidence at rank {r.hit_rank}" if r.hit_rank else "evidence not in top-k"
        )
        if not r.item.answerable:
            what = "answered an out-of-scope question"
        elif r.hit_rank == 1 and r.answer_ok is False:
            what = "answer lacks " + " / ".join(r.item.answer_has)
        top = r.answer.citations[0].chunk_id if r.answer.citations else "-"
        print(f"  {r.item.id:6} {what:32} top={top:28} {r.item.q}")
    return 0


def _write_eval_record(args, report, engine) -> None:
    from datetime import datetime, timezone

    from .evaluation import HELD_OUT, TUNED_ON, result_record

    dataset = Path(os.path.abspath(args.dataset))  # not resolve(): ../shared may be a symlink
    # Named relative to the repository (eval/..., ../shared/...): the committed file must not carry this machine's paths.
    try:
        shown = dataset.relative_to(REPO_ROOT)
    except ValueError:
        try:
            shown = Path("..") / dataset.relative_to(REPO_ROOT.parent)
        except ValueError:
            shown = dataset
    role = HELD_OUT if args.held_out else TUNED_ON
    record = result_record(report, shown.as_posix(), role, engine.status().model, engine.dense)
    record["when"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    out = Path(args.json_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


def _library(args):
    from .library import Library

    return Library(_open_engine(args))


def cmd_add(args) -> int:
    from .documents import DocumentMeta
    from .library import check_replaceable, check_upload
    from .readers import DocumentRejected

    path = Path(args.file)
    data = path.read_bytes()
    meta = DocumentMeta(
        title=args.title, authority=args.authority, date=args.date or "", issuer=args.issuer or "", number=args.number or ""
    )
    try:
        # Refuse a bad or duplicate file before loading the model and index (scanned pages are
        # read by OCR here, with a bar per page; the add below reuses what was read).
        settings = Settings.from_env(index_dir=args.index_dir)
        if args.replaces:
            check_replaceable(settings, args.replaces)
        check_upload(settings, data, path.name, meta, progress=_progress())
        result = _library(args).add(data, path.name, meta, progress=_progress(), replaces=args.replaces or "")
    except DocumentRejected as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    d = result.document
    pages = f", {result.pages} pages" if result.pages else ""
    if d.ocr_pages:
        low = min(c for _, c in d.ocr_pages)
        pages += f" ({len(d.ocr_pages)} read by OCR, lowest confidence {low:.2f})"
    print(
        f"added {d.doc_id}  《{d.title}》  {AUTHORITY_LABELS_ZH[d.authority]}  "
        f"{len(d.text)} chars{pages}, {result.chunks} chunks, in {result.seconds:.1f}s"
    )
    if d.replaces:
        print(f"{d.replaces} is now marked superseded by {d.doc_id} (still readable; answers prefer {d.doc_id})")
    return 0


def cmd_remove(args) -> int:
    from .library import check_removable
    from .readers import DocumentRejected

    try:
        check_removable(Settings.from_env(index_dir=args.index_dir), args.doc_id)
        result = _library(args).remove(args.doc_id, progress=_progress())
    except DocumentRejected as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"removed {result.document.doc_id}  《{result.document.title}》 in {result.seconds:.1f}s")
    return 0


def cmd_list(args) -> int:
    library = _library(args)
    rows = library.documents()
    if args.json:
        from dataclasses import asdict

        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False))
        return 0
    for r in rows:
        chunks = "?" if r.chunks is None else str(r.chunks)
        origin = "added" if r.removable else "corpus"
        marks = "".join(
            [f"  [superseded by {r.superseded_by}]" if r.superseded_by else "", f"  [OCR: {len(r.ocr_pages)} pages]" if r.ocr_pages else ""]
        )
        print(f"{r.doc_id:18} {origin:6} {chunks:>4} chunks  {AUTHORITY_LABELS_ZH.get(r.authority, r.authority)}  {r.title}{marks}")
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    from .api import create_app

    forwarded = args.forwarded_allow_ips
    uvicorn.run(
        create_app(Settings.from_env(index_dir=args.index_dir)),
        host=args.host,
        port=args.port,
        # Client addresses (for rate limiting) come from X-Forwarded-For only behind a named proxy.
        proxy_headers=bool(forwarded),
        forwarded_allow_ips=forwarded or None,
        server_header=False,
        log_level=args.log_level,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retrieval", description="政策问答 Policy Q&A retrieval engine")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import-seed", help="regenerate corpus/ from the published page")
    p.add_argument("seed", nargs="?", default=str(DEFAULT_SEED), help="the seed page or its folder")
    p.add_argument("--out", default=str(REPO_ROOT / "corpus"))
    p.set_defaults(func=cmd_import_seed)

    def engine_opts(p):
        p.add_argument("--index-dir", default=None, help="index folder (default: index/ or $POLICY_QA_INDEX_DIR)")
        p.add_argument("--lexical-only", action="store_true", help="go on with keyword search if the model cannot load")

    p = sub.add_parser("build", help="build or refresh index/")
    p.add_argument("--force", action="store_true", help="rebuild even if the index matches")
    engine_opts(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question", nargs="?")
    p.add_argument("--json", action="store_true", help="one JSON object per question")
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--batch", help="file with one question per line ('-' for stdin)")
    p.add_argument(
        "--after", action="append", metavar="QUESTION",
        help="an earlier question of the conversation (repeat, oldest first): completes a follow-up like 那高校呢？",
    )
    from .documents import AUTHORITY_GROUPS

    p.add_argument("--doc", action="append", metavar="DOC_ID", help="ask only this document (repeatable; see `list`)")
    p.add_argument(
        "--authority", action="append", metavar="KIND",
        help=f"ask only documents of this kind (repeatable): {', '.join(AUTHORITY_GROUPS)}, or an authority value",
    )
    engine_opts(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="measure retrieval on an evaluation set")
    p.add_argument("--dataset", default=str(REPO_ROOT.parent / "shared" / "eval" / "dev.jsonl"))
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--json-out", metavar="FILE", help="also write the full result (README's quality table reads benchmarks/results/eval-*.json)")
    p.add_argument("--held-out", action="store_true", help="mark the set as held out: never used to choose rules or thresholds (its misses are not listed)")
    p.add_argument("--show-misses", action="store_true", help="list a held-out set's misses anyway (after the last change is measured)")
    engine_opts(p)
    p.set_defaults(func=cmd_eval)

    from .documents import AUTHORITIES, USER_ADDED

    p = sub.add_parser("add", help="add a document (PDF, .txt, .md, .docx) and re-index")
    p.add_argument("file")
    p.add_argument("--title", help="default: the file name")
    p.add_argument("--authority", choices=AUTHORITIES, default=USER_ADDED, help="source label (default: user-added)")
    p.add_argument("--date", help="issue date, YYYY-MM-DD")
    p.add_argument("--issuer", help="issuing body")
    p.add_argument("--number", help="document number (文号)")
    p.add_argument("--replaces", metavar="DOC_ID", help="the added document this file is a newer version of (kept, marked superseded)")
    engine_opts(p)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="remove an added document and re-index")
    p.add_argument("doc_id")
    engine_opts(p)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("list", help="list documents with their chunk counts")
    p.add_argument("--json", action="store_true")
    engine_opts(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("serve", help="HTTP API (FastAPI + uvicorn) over the same engine and index")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--forwarded-allow-ips", default="", help="proxy addresses trusted for X-Forwarded-For")
    p.add_argument("--log-level", default="info")
    p.add_argument("--index-dir", default=None, help="index folder (default: index/ or $POLICY_QA_INDEX_DIR)")
    p.set_defaults(func=cmd_serve)

    args = parser.parse_args(argv)
    if getattr(args, "top_k", 1) < 1:
        parser.error("--top-k must be at least 1")
    try:
        return args.func(args)
    except FileNotFoundError as exc:
        print(f"error: file not found: {exc.filename or exc}", file=sys.stderr)
        return 2
