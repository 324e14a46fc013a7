"""Load test of the running Streamlit app over its own websocket protocol.

    python -m benchmarks.load_streamlit --start --sessions 20 --questions 3
    python -m benchmarks.load_streamlit --url http://localhost:8501 --sessions 20

Each simulated user is one browser session as Streamlit sees it: it opens
`/_stcore/stream`, runs the page, then types questions into the chat input one
after another (a rerun carrying the chat input's widget state, exactly what the
browser sends). A question counts as an error when the run does not finish
successfully, shows an exception, or produces no answer text; latency is from
sending the question to the server's `script_finished`.

With --start the script launches `streamlit run app.py` on a free port with the
index, data and corpus folders of the environment (or temporary copies with
--isolated) and stops it afterwards. Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

from benchmarks._common import Percentiles, dev_questions, machine_info, table, write_result
from benchmarks.app_server import served_for_benchmark

QUESTION_TIMEOUT_S = 120.0
# What the ask page shows for an answer (its source line) or a polite decline.
ANSWER_MARKERS = ("依据 Source", "pqa-answer", "抱歉", "Sorry", "没有涉及", "do not cover")


@dataclass
class SessionResult:
    index: int
    load_s: float | None = None
    latencies_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class RunOutcome:
    status: str  # FINISHED_SUCCESSFULLY, … or "timeout"
    exceptions: list[str]
    texts: list[str]
    chat_input_id: str | None
    page_script_hash: str


def _protos():
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    return BackMsg, ForwardMsg


def _element_text(element) -> str | None:
    kind = element.WhichOneof("type")
    if kind == "markdown":
        return element.markdown.body
    if kind == "alert":
        return element.alert.body
    if kind == "text":
        return element.text.body
    if kind == "code":
        return element.code.code_text
    return None


async def _run(ws, back_msg, timeout: float) -> RunOutcome:
    """Send one rerun and read ForwardMsgs until the script finishes."""
    _, ForwardMsg = _protos()
    await ws.send(back_msg.SerializeToString())
    exceptions, texts = [], []
    chat_id, page_hash = None, ""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return RunOutcome("timeout", exceptions, texts, chat_id, page_hash)
        raw = await asyncio.wait_for(ws.recv(), remaining)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            page_hash = msg.new_session.page_script_hash
        elif kind == "page_info_changed" or kind == "navigation":
            page_hash = getattr(getattr(msg, kind), "page_script_hash", page_hash) or page_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            etype = element.WhichOneof("type")
            if etype == "exception":
                exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
            elif etype == "chat_input":
                chat_id = element.chat_input.id
            text = _element_text(element)
            if text:
                texts.append(text)
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
            if status != "FINISHED_EARLY_FOR_RERUN":
                return RunOutcome(status, exceptions, texts, chat_id, page_hash)


def _rerun(page_hash: str, chat_id: str | None = None, question: str | None = None):
    BackMsg, _ = _protos()
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = ""
    state.page_script_hash = page_hash
    if chat_id and question is not None:
        widget = state.widget_states.widgets.add()
        widget.id = chat_id
        widget.chat_input_value.data = question
    return msg


async def one_session(n: int, ws_url: str, questions: list[str], start_gate: asyncio.Event) -> SessionResult:
    from websockets.asyncio.client import connect

    result = SessionResult(n)
    await start_gate.wait()
    try:
        async with connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60, ping_interval=None) as ws:
            t = time.perf_counter()
            first = await _run(ws, _rerun(""), QUESTION_TIMEOUT_S)
            result.load_s = time.perf_counter() - t
            if first.status != "FINISHED_SUCCESSFULLY" or first.exceptions:
                result.errors.append(f"page load: {first.status} {first.exceptions[:1]}")
                return result
            if first.chat_input_id is None:
                result.errors.append("page load: no chat input on the page")
                return result
            for q in questions:
                t = time.perf_counter()
                out = await _run(ws, _rerun(first.page_script_hash, first.chat_input_id, q), QUESTION_TIMEOUT_S)
                result.latencies_s.append(time.perf_counter() - t)
                answered = any(marker in text for text in out.texts for marker in ANSWER_MARKERS)
                if out.status != "FINISHED_SUCCESSFULLY":
                    result.errors.append(f"{q[:20]}: {out.status}")
                elif out.exceptions:
                    result.errors.append(f"{q[:20]}: exception {out.exceptions[0]}")
                elif not answered:
                    result.errors.append(f"{q[:20]}: no answer on the page")
    except Exception as exc:  # a dropped socket, a timeout: all are errors for the report
        result.errors.append(f"{type(exc).__name__}: {exc}"[:300])
    return result


async def drive(base_url: str, sessions: int, per_session: int, seed: int) -> list[SessionResult]:
    ws_url = base_url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + "/_stcore/stream"
    pool = dev_questions()
    rng = random.Random(seed)
    gate = asyncio.Event()
    tasks = [
        asyncio.create_task(one_session(n, ws_url, rng.sample(pool, min(per_session, len(pool))), gate))
        for n in range(sessions)
    ]
    gate.set()  # every session starts at once: the worst case for the server
    return await asyncio.gather(*tasks)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running app, e.g. http://localhost:8501")
    ap.add_argument("--start", action="store_true", help="start `streamlit run app.py` for the test")
    ap.add_argument("--isolated", action="store_true", help="with --start: temp copies of corpus/ and index/")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--questions", type=int, default=3, help="questions per session")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if not args.url and not args.start:
        ap.error("give --url of a running app, or --start")

    with ExitStack() as stack:
        url = args.url
        if args.start:
            url, _ = stack.enter_context(served_for_benchmark("streamlit", args.isolated))
        # One session first, alone: it pays the cold start (model and index load), which is
        # not what concurrent users see.
        warm = asyncio.run(drive(url, 1, 1, args.seed + 1))[0]
        started = time.perf_counter()
        results = asyncio.run(drive(url, args.sessions, args.questions, args.seed))
        wall = time.perf_counter() - started

    latencies = [x for r in results for x in r.latencies_s]
    loads = [r.load_s for r in results if r.load_s is not None]
    errors = [f"session {r.index}: {e}" for r in results for e in r.errors]
    asked = len(latencies)
    q = Percentiles.of(latencies)
    p = Percentiles.of(loads)
    print(f"{args.sessions} sessions × {args.questions} questions against {url}: {asked} asked in {wall:.1f}s")
    print(
        table(
            ["what", "n", "p50 s", "p95 s", "max s"],
            [
                ["page load", p.n, p.p50, p.p95, p.max],
                ["question", q.n, q.p50, q.p95, q.max],
            ],
        )
    )
    print(f"errors: {len(errors)} (warm-up session errors: {len(warm.errors)})")
    for e in errors[:20]:
        print("  " + e)
    write_result(
        "load_streamlit",
        {
            "sessions": args.sessions,
            "questions_per_session": args.questions,
            "asked": asked,
            "wall_s": round(wall, 3),
            "throughput_qps": round(asked / wall, 3) if wall else None,
            "page_load_s": p,
            "question_s": q,
            "errors": errors,
            "warmup_errors": warm.errors,
            "machine": machine_info(),
        },
    )
    return 1 if errors or warm.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
