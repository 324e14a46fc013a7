"""Memory soak of the running app: many sessions asking, some sending "clear cache", for N minutes.

    python -m benchmarks.soak_streamlit --start --isolated --minutes 10 --sessions 20
    python -m benchmarks.soak_streamlit --url http://127.0.0.1:8501 --pid 1234 --minutes 2

Every session is a browser session as Streamlit sees it (the websocket protocol of
`benchmarks.load_streamlit`): it asks a dev-set question, waits a few seconds as a reader
would, and asks again until the time is up. Every session also sends Streamlit's "clear
cache" message (which any browser may send) once every `--clear-every` seconds, the
sessions staggered, so 20 sessions at 10 s send two a second. The server's
resident memory is sampled every `--sample-s` seconds. Bounded: it stops at the
deadline, talks to loopback only with --start, and exits 1 on any failed question.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import time
from contextlib import ExitStack

from benchmarks._common import Percentiles, dev_questions, machine_info, proc_status_mb, table, write_result
from benchmarks import app_server
from benchmarks.app_server import wait_healthy
from benchmarks.load_streamlit import ANSWER_MARKERS, QUESTION_TIMEOUT_S, _protos, _rerun, _run


def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux)."""
    mb = proc_status_mb("VmRSS", pid)
    if mb is None:
        raise RuntimeError(f"no VmRSS for pid {pid}")
    return mb


def clear_cache_msg():
    BackMsg, _ = _protos()
    msg = BackMsg()
    msg.clear_cache = True
    return msg


class Session:
    """One browser session over Streamlit's websocket: load the page, ask, clear the cache."""

    def __init__(self, base_url: str) -> None:
        self.ws_url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.ws = None
        self.chat_id: str | None = None
        self.page_hash = ""

    async def __aenter__(self) -> Session:
        from websockets.asyncio.client import connect

        self._connect = connect(self.ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60, ping_interval=None)
        self.ws = await self._connect.__aenter__()
        first = await _run(self.ws, _rerun(""), QUESTION_TIMEOUT_S)
        if first.status != "FINISHED_SUCCESSFULLY" or first.exceptions or first.chat_input_id is None:
            raise RuntimeError(f"page load failed: {first.status} {first.exceptions[:1]}")
        self.chat_id, self.page_hash = first.chat_input_id, first.page_script_hash
        return self

    async def __aexit__(self, *exc) -> None:
        await self._connect.__aexit__(*exc)

    async def ask(self, question: str) -> tuple[float, str | None, list[str]]:
        """(seconds, error or None, texts shown) for one question."""
        t = time.perf_counter()
        out = await _run(self.ws, _rerun(self.page_hash, self.chat_id, question), QUESTION_TIMEOUT_S)
        elapsed = time.perf_counter() - t
        if out.status != "FINISHED_SUCCESSFULLY":
            return elapsed, f"{question[:20]}: {out.status}", out.texts
        if out.exceptions:
            return elapsed, f"{question[:20]}: exception {out.exceptions[0]}", out.texts
        if not any(m in text for text in out.texts for m in ANSWER_MARKERS):
            return elapsed, f"{question[:20]}: no answer on the page", out.texts
        return elapsed, None, out.texts

    async def clear_cache(self) -> None:
        """What the browser's "Clear cache" menu item sends; the server answers with nothing to wait for."""
        await self.ws.send(clear_cache_msg().SerializeToString())


def start_streamlit(env: dict, port: int | None = None) -> tuple[str, subprocess.Popen]:
    """The app started and healthy (app_server.start_streamlit returns before it is)."""
    url, proc = app_server.start_streamlit(env, port=port)
    wait_healthy(url, proc, timeout=300)
    return url, proc


async def soak(url: str, pid: int | None, sessions: int, seconds: float, clear_every: float, sample_s: float, seed: int):
    pool = dev_questions()
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors: list[str] = []
    samples: list[tuple[float, float]] = []
    cleared = 0
    started = time.monotonic()

    async def user(n: int) -> None:
        nonlocal cleared
        rng = random.Random(seed + n)
        next_clear = started + clear_every * (n + 1) / max(1, sessions)
        try:
            async with Session(url) as s:
                while time.monotonic() < deadline:
                    elapsed, error, _ = await s.ask(rng.choice(pool))
                    latencies.append(elapsed)
                    if error:
                        errors.append(f"session {n}: {error}")
                    if clear_every and time.monotonic() >= next_clear:
                        await s.clear_cache()
                        cleared += 1
                        next_clear += clear_every
                    await asyncio.sleep(min(rng.uniform(2, 6), max(0.0, deadline - time.monotonic())))
        except Exception as exc:  # a dropped socket or failed page load is an error of the run
            errors.append(f"session {n}: {type(exc).__name__}: {exc}"[:300])

    async def sampler() -> None:
        while time.monotonic() < deadline:
            if pid is not None:
                samples.append((round(time.monotonic() - started, 1), rss_mb(pid)))
            await asyncio.sleep(sample_s)
        if pid is not None:
            samples.append((round(time.monotonic() - started, 1), rss_mb(pid)))

    await asyncio.gather(sampler(), *(user(n) for n in range(sessions)))
    return latencies, errors, samples, cleared


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running app on this machine")
    ap.add_argument("--pid", type=int, help="with --url: the server's process id, for its memory")
    ap.add_argument("--start", action="store_true", help="start `streamlit run app.py` on a loopback port")
    ap.add_argument("--isolated", action="store_true", help="with --start: temp copies of corpus/ and index/")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--clear-every", type=float, default=10.0, help="seconds between one session's clear-cache messages (0: none)")
    ap.add_argument("--sample-s", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if not args.url and not args.start:
        ap.error("give --url (and --pid) of a running app, or --start")
    if args.minutes <= 0 or args.minutes > 120:
        ap.error("--minutes must be in (0, 120]")

    with ExitStack() as stack:
        url, pid = args.url, args.pid
        if args.start:
            url, proc = stack.enter_context(app_server.served_for_benchmark("streamlit", args.isolated))
            pid = proc.pid

        async def warm():
            async with Session(url) as s:  # the first visit loads the engine: not part of the soak
                return await s.ask(dev_questions()[0])

        warm_error = asyncio.run(warm())[1]
        rss_warm = rss_mb(pid) if pid else None
        wall = time.perf_counter()
        latencies, errors, samples, cleared = asyncio.run(
            soak(url, pid, args.sessions, args.minutes * 60, args.clear_every, args.sample_s, args.seed)
        )
        wall = time.perf_counter() - wall

    q = Percentiles.of(latencies)
    rss = [mb for _, mb in samples]
    half = rss[len(rss) // 2 :] if rss else []
    summary = {
        "minutes": args.minutes,
        "sessions": args.sessions,
        "asked": len(latencies),
        "clear_cache_messages": cleared,
        "wall_s": round(wall, 1),
        "question_s": q,
        "rss_mb_after_warmup": rss_warm,
        "rss_mb_min": min(rss) if rss else None,
        "rss_mb_max": max(rss) if rss else None,
        "rss_mb_end": rss[-1] if rss else None,
        # Growth over the second half: a leak keeps growing, a warm cache does not.
        "rss_mb_growth_second_half": round(half[-1] - half[0], 1) if len(half) > 1 else None,
        "rss_samples": samples,
        "errors": errors[:50],
        "n_errors": len(errors),
        "warmup_error": warm_error,
        "machine": machine_info(),
    }
    print(f"{args.sessions} sessions for {args.minutes} min against {url}: {len(latencies)} questions, {cleared} clear-cache messages")
    print(table(["what", "n", "p50 s", "p95 s", "max s"], [["question", q.n, q.p50, q.p95, q.max]]))
    if rss:
        print(f"server RSS MB: after warm-up {rss_warm}, min {min(rss)}, max {max(rss)}, end {rss[-1]}")
    print(f"errors: {len(errors)}")
    for e in errors[:20]:
        print("  " + e)
    write_result("soak_streamlit", summary)
    return 1 if errors or warm_error else 0


if __name__ == "__main__":
    raise SystemExit(main())
