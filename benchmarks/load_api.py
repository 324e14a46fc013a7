"""Load test of the HTTP API: concurrent clients asking dev-set questions.

    python -m benchmarks.load_api --start --isolated --clients 50 --questions 20
    python -m benchmarks.load_api --url http://127.0.0.1:8000 --clients 50 --questions 20

Each client is its own HTTP connection pool and asks its questions one after another,
all clients at once. A request counts as an error unless it is a 200 with the `ask --json`
shape. With --start the script runs `python -m retrieval serve` on a loopback port (its
per-client rate limit raised: every simulated client here has the same address) and stops
it afterwards. Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from contextlib import ExitStack

from benchmarks._common import Percentiles, dev_questions, machine_info, table, write_result
from benchmarks import app_server

ANSWER_KEYS = {"question", "answerable", "answer", "dense", "citations", "timings_ms"}


async def client(n: int, url: str, questions: list[str], gate: asyncio.Event, latencies: list, errors: list) -> None:
    import httpx

    await gate.wait()
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        for q in questions:
            t = time.perf_counter()
            try:
                r = await http.post("/v1/ask", json={"question": q})
                latencies.append(time.perf_counter() - t)
                if r.status_code != 200:
                    errors.append(f"client {n}: {q[:20]}: HTTP {r.status_code} {r.text[:200]}")
                elif not ANSWER_KEYS <= set(r.json()):
                    errors.append(f"client {n}: {q[:20]}: unexpected body {r.text[:200]}")
            except Exception as exc:
                errors.append(f"client {n}: {q[:20]}: {type(exc).__name__}: {exc}"[:300])


async def drive(url: str, clients: int, per_client: int, seed: int) -> tuple[list[float], list[str], float]:
    pool = dev_questions()
    rng = random.Random(seed)
    latencies: list[float] = []
    errors: list[str] = []
    gate = asyncio.Event()
    tasks = [
        asyncio.create_task(client(n, url, [rng.choice(pool) for _ in range(per_client)], gate, latencies, errors))
        for n in range(clients)
    ]
    started = time.perf_counter()
    gate.set()  # all clients at once: the worst case for the server
    await asyncio.gather(*tasks)
    return latencies, errors, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running API, e.g. http://127.0.0.1:8000 (its rate limit must allow the run)")
    ap.add_argument("--start", action="store_true", help="start `python -m retrieval serve` for the test")
    ap.add_argument("--isolated", action="store_true", help="with --start: temp copies of corpus/ and index/")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--questions", type=int, default=20, help="questions per client")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if not args.url and not args.start:
        ap.error("give --url of a running API, or --start")

    with ExitStack() as stack:
        url = args.url
        if args.start:
            # Every simulated client has the same address: the per-client rate limit goes up.
            rates = {"POLICY_QA_API_RATE_PER_MIN": "1000000", "POLICY_QA_API_BURST": "100000"}
            url, _ = stack.enter_context(app_server.served_for_benchmark("api", args.isolated, rates, timeout=600))
        warm_lat, warm_errors, _ = asyncio.run(drive(url, 1, 3, args.seed + 1))
        latencies, errors, wall = asyncio.run(drive(url, args.clients, args.questions, args.seed))

    q = Percentiles.of(latencies)
    print(f"{args.clients} clients × {args.questions} questions against {url}: {len(latencies)} answered in {wall:.1f}s")
    print(table(["what", "n", "p50 s", "p95 s", "max s"], [["POST /v1/ask", q.n, q.p50, q.p95, q.max]]))
    print(f"throughput {len(latencies) / wall:.1f} q/s; errors: {len(errors)} (warm-up errors: {len(warm_errors)})")
    for e in errors[:20]:
        print("  " + e)
    write_result(
        "load_api",
        {
            "clients": args.clients,
            "questions_per_client": args.questions,
            "requests": args.clients * args.questions,
            "answered": len(latencies),
            # The dev set has few questions: most requests repeat one (the query-embedding cache answers).
            "distinct_questions": len(set(dev_questions())),
            "wall_s": round(wall, 3),
            "throughput_qps": round(len(latencies) / wall, 3) if wall else None,
            "ask_s": q,
            "errors": errors[:50],
            "n_errors": len(errors),
            "warmup_errors": warm_errors,
            "machine": machine_info(),
        },
    )
    return 1 if errors or warm_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
