"""Live reload across processes: a `streamlit run` and an API server keep answering while the
command line adds a document; both find it within 5 seconds of the new build, and no request fails."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import httpx
import pytest

from benchmarks.app_server import start_api
from benchmarks.app_server import stop
from benchmarks.soak_streamlit import Session, start_streamlit
from retrieval.engine import REPO_ROOT
from retrieval.index_store import CURRENT
from tests._files import copy_index

BOUND_S = 5.0
TITLE = "青藤市人才驿站建设方案"
PLAN = (
    f"{TITLE}\n一、建设目标\n"
    "青藤市在每个工业园区设立一个人才驿站，每个驿站每年为不少于二百家制造业企业提供招聘对接服务。\n"
    "二、保障措施\n青藤市人社局负责人才驿站的日常考核，考核结果每年向社会公布。\n"
)
NEW_QUESTION = "青藤市人才驿站每年为多少家制造业企业提供招聘对接服务？"
# Users read between questions; back-to-back requests would only measure the GIL.
THINK_S = 0.3
OLD_QUESTIONS = ["试点城市的实施方案要在什么时候之前印发？", "试点期限是多久？"]


async def _watch_current(path, changed: dict) -> None:
    """Note when the build pointer moves: the moment the new index exists for everyone."""
    first = path.read_text()
    while "at" not in changed:
        if path.read_text() != first:
            changed["at"] = time.monotonic()
        await asyncio.sleep(0.02)


async def _keep_asking(ask, found: dict, name: str, changed: dict, stop_at: list, errors: list) -> None:
    n = 0
    while time.monotonic() < stop_at[0] and name not in found:
        # Before the build, alternate with questions the old index answers; after it, probe for the new one.
        question = NEW_QUESTION if n % 2 or "at" in changed else OLD_QUESTIONS[n // 2 % len(OLD_QUESTIONS)]
        n += 1
        try:
            hit = await ask(question)
        except Exception as exc:  # every failure is a finding of the test
            errors.append(f"{name}: {question[:12]}: {type(exc).__name__}: {exc}"[:300])
            continue
        if question == NEW_QUESTION and hit:
            found[name] = time.monotonic()
            assert "at" in changed, f"{name} found the new document before the build was published"
        await asyncio.sleep(THINK_S)


@pytest.mark.slow  # several server processes
def test_new_build_is_served_by_other_processes_within_bound(fast_engine, fresh_fast_settings, tmp_path):
    settings = fresh_fast_settings
    copy_index(fast_engine.settings, settings)
    env = dict(
        os.environ, POLICY_QA_EMBED_MODEL="hash", POLICY_QA_CORPUS_DIR=str(settings.corpus_dir),
        POLICY_QA_DATA_DIR=str(settings.data_dir), POLICY_QA_INDEX_DIR=str(settings.index_dir), OMP_NUM_THREADS="1",
        # One test client asks as fast as it can: not what the per-client limit is for.
        POLICY_QA_API_RATE_PER_MIN="100000", POLICY_QA_API_BURST="1000",
    )
    plan = tmp_path / "青藤市方案.txt"
    plan.write_text(PLAN, encoding="utf-8")
    app_url, app = start_streamlit(env)
    api_url, api = start_api(env)
    try:

        async def run():
            errors: list[str] = []
            found: dict[str, float] = {}
            changed: dict[str, float] = {}
            stop_at = [time.monotonic() + 600]
            async with Session(app_url) as session, httpx.AsyncClient(base_url=api_url, timeout=60) as client:

                async def ask_app(question: str) -> bool:
                    _, error, texts = await session.ask(question)
                    if error:
                        raise RuntimeError(error)
                    return any(TITLE in t or "二百家" in t for t in texts)

                async def ask_api(question: str) -> bool:
                    r = await client.post("/v1/ask", json={"question": question})
                    r.raise_for_status()
                    return any(c["doc_title"] == TITLE for c in r.json()["citations"])

                assert not await ask_app(NEW_QUESTION) and not await ask_api(NEW_QUESTION)
                watcher = asyncio.create_task(_watch_current(settings.index_dir / CURRENT, changed))
                askers = [
                    asyncio.create_task(_keep_asking(ask_app, found, "streamlit", changed, stop_at, errors)),
                    asyncio.create_task(_keep_asking(ask_api, found, "api", changed, stop_at, errors)),
                ]
                cli = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "retrieval", "add", str(plan), "--title", TITLE,
                    cwd=REPO_ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                )
                out, err = await cli.communicate()
                assert cli.returncode == 0, err.decode()[-2000:]
                assert "at" in changed
                stop_at[0] = changed["at"] + BOUND_S + 10  # room to measure a miss, not to wait for ever
                await asyncio.gather(*askers)
                watcher.cancel()
            return errors, found, changed["at"]

        errors, found, published = asyncio.run(run())
    finally:
        stop(app)
        api.terminate()
        api.wait(30)
    assert errors == []
    delays = {name: round(at - published, 2) for name, at in found.items()}
    assert set(delays) == {"streamlit", "api"}, delays
    print(f"new build served after {delays} s")
    assert max(delays.values()) <= BOUND_S, delays
