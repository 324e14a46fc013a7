"""The HTTP API against a real uvicorn on loopback, with a real HTTP client (httpx)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import uvicorn

from benchmarks.app_server import free_port, start_api, stop
from retrieval.api import ApiConfig, create_app
from retrieval.followup import complete
from retrieval.kdf import hash_secret
from retrieval.service import EngineService
from tests._files import copy_index

KEY = "test-admin-key-0123456789"
CLI_KEYS = {"question", "answerable", "answer", "dense", "citations", "timings_ms"}
CITATION_KEYS = {"rank", "chunk_id", "doc_id", "doc_title", "authority", "section", "text", "start", "end", "score"}
QUESTION = "试点城市的实施方案要在什么时候之前印发？"
PLAN = (
    "青藤市人才驿站建设方案\n一、建设目标\n"
    "青藤市在每个工业园区设立一个人才驿站，每个驿站每年为不少于二百家制造业企业提供招聘对接服务。\n"
    "二、保障措施\n青藤市人社局负责人才驿站的日常考核，考核结果每年向社会公布。\n"
)


class Served:
    """A uvicorn server on a loopback port, in a thread of this process."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("the API did not become ready")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def service(fast_engine, tmp_path_factory):
    from tests.conftest import _settings_over_corpus_copy
    from retrieval.embedders import HASH_MODEL

    settings = _settings_over_corpus_copy(tmp_path_factory.mktemp("api"), model=HASH_MODEL)
    copy_index(fast_engine.settings, settings)
    svc = EngineService(settings, poll_s=0.5)
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def api(service):
    config = ApiConfig(api_key_hash=hash_secret(KEY), rate_per_min=60_000, burst=1_000, max_upload_bytes=256 * 1024)
    served = Served(create_app(service.settings, config, service))
    with httpx.Client(base_url=served.url, timeout=120) as client:
        yield client
    served.stop()


def _no_traceback(r: httpx.Response) -> dict:
    assert r.headers["content-type"].startswith("application/json"), r.text[:200]
    assert "Traceback" not in r.text and 'File "' not in r.text
    body = r.json()
    assert isinstance(body.get("error"), str) and body["error"]
    return body


def test_probes_and_openapi_docs(api):
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    assert ready.json()["index"]["documents"] == 3
    docs = api.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = api.get("/openapi.json").json()["paths"]
    for path in ("/v1/ask", "/v1/documents", "/v1/documents/{doc_id}", "/v1/chunks/{chunk_id}", "/healthz", "/readyz"):
        assert path in paths
    assert "multipart/form-data" in paths["/v1/documents"]["post"]["requestBody"]["content"]


def test_ask_answers_with_the_cli_json(api, service):
    r = api.post("/v1/ask", json={"question": QUESTION, "top_k": 3})
    assert r.status_code == 200, r.text
    data = r.json()
    assert set(data) == CLI_KEYS and data["question"] == QUESTION and data["answerable"] is True
    assert 1 <= len(data["citations"]) <= 3 and all(set(c) == CITATION_KEYS for c in data["citations"])
    expected = service.engine.ask(QUESTION, 3).to_json()
    assert [c["chunk_id"] for c in data["citations"]] == [c["chunk_id"] for c in expected["citations"]]
    assert data["answer"] == expected["answer"]
    chunk = api.get(f"/v1/chunks/{data['citations'][0]['chunk_id']}").json()
    assert chunk["text"] == data["citations"][0]["text"]


def test_ask_with_history_and_scope(api):
    history = ["试点城市需要提交哪些申报材料？"]
    question = "那截止时间呢？"
    data = api.post("/v1/ask", json={"question": question, "history": history}).json()
    completion = complete(question, history)
    assert data["question"] == question
    assert data.get("understood_as") == (completion.question if completion.rewritten else None)

    scoped = api.post("/v1/ask", json={"question": QUESTION, "doc_ids": ["interpretation"]}).json()
    assert scoped["citations"] and {c["doc_id"] for c in scoped["citations"]} == {"interpretation"}
    scoped = api.post("/v1/ask", json={"question": QUESTION, "authorities": ["commentary"]}).json()
    assert {c["authority"] for c in scoped["citations"]} <= {"commentary"}


def test_documents_and_chunks(api):
    docs = api.get("/v1/documents").json()["documents"]
    assert {d["doc_id"] for d in docs} >= {"notice", "interpretation"}
    assert all(not d["removable"] for d in docs)
    missing = api.get("/v1/chunks/notice:99.99")
    assert missing.status_code == 404 and "notice:99.99" in _no_traceback(missing)["error"]


@pytest.mark.parametrize(
    "body, status",
    [
        ('{"question": ', 400),  # bad JSON
        ("[1, 2]", 422),
        ('{"top_k": 3}', 422),  # no question
        ('{"question": "x", "extra": 1}', 422),
        ('{"question": "试点城市", "top_k": 0}', 422),
        ('{"question": "   "}', 422),  # the engine's own check
        ('{"question": "%s"}' % ("问" * 600), 422),
        ('{"question": "q", "authorities": ["gossip"]}', 422),
    ],
)
def test_bad_requests_get_json_errors(api, body, status):
    r = api.post("/v1/ask", content=body.encode("utf-8"), headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    _no_traceback(r)


def test_oversize_bodies_are_refused_before_parsing(api):
    big = b'{"question": "' + b"a" * (70 * 1024) + b'"}'
    r = api.post("/v1/ask", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and _no_traceback(r)
    # Without a Content-Length (chunked), the limit holds on what is streamed.
    r = api.post("/v1/ask", content=iter([big[:40_000], big[40_000:]]), headers={"content-type": "application/json"})
    assert r.status_code == 413 and _no_traceback(r)
    upload = api.post(
        "/v1/documents", headers={"X-API-Key": KEY}, files={"file": ("big.txt", b"x" * (400 * 1024), "text/plain")}
    )
    assert upload.status_code == 413 and _no_traceback(upload)
    assert api.get("/nowhere").status_code == 404 and _no_traceback(api.get("/nowhere"))
    assert _no_traceback(api.put("/v1/ask", json={}))


def test_admin_endpoints_want_the_key_and_nothing_else(api):
    files = {"file": ("plan.txt", PLAN.encode(), "text/plain")}
    for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}):
        for r in (
            api.post("/v1/documents", headers=headers, files=files),
            api.post("/v1/documents", headers={**headers, "content-type": "multipart/form-data"}, content=b"junk"),
            api.delete("/v1/documents/notice", headers=headers),
            api.post("/v1/rebuild", headers=headers),
        ):
            assert r.status_code == 401, (headers, r.status_code, r.text)
            assert r.headers["www-authenticate"] == "Bearer" and _no_traceback(r)
    assert len(api.get("/v1/documents").json()["documents"]) == 3


def test_admin_add_ask_remove(api):
    headers = {"Authorization": f"Bearer {KEY}"}
    r = api.post("/v1/documents", headers=headers, files={"file": ("青藤市方案.txt", PLAN.encode(), "text/plain")},
                 data={"title": "青藤市人才驿站建设方案", "date": "2026-01-05"})
    assert r.status_code == 201, r.text
    doc_id = r.json()["document"]["doc_id"]
    assert r.json()["chunks"] >= 1 and r.json()["document"]["title"] == "青藤市人才驿站建设方案"
    answer = api.post("/v1/ask", json={"question": "青藤市人才驿站每年服务多少家制造业企业？"}).json()
    assert answer["citations"][0]["doc_id"] == doc_id
    assert {d["doc_id"]: d["removable"] for d in api.get("/v1/documents").json()["documents"]}[doc_id] is True

    again = api.post("/v1/documents", headers={"X-API-Key": KEY}, files={"file": ("copy.md", PLAN.encode(), "text/markdown")})
    assert again.status_code == 409 and doc_id in _no_traceback(again)["error"]
    bad = api.post("/v1/documents", headers=headers, files={"file": ("x.exe", b"MZ\x00\x01", "application/octet-stream")})
    assert bad.status_code == 400 and _no_traceback(bad)
    assert api.delete("/v1/documents/notice", headers=headers).status_code == 403

    r = api.delete(f"/v1/documents/{doc_id}", headers=headers)
    assert r.status_code == 200 and r.json()["removed"] == doc_id
    assert api.delete(f"/v1/documents/{doc_id}", headers=headers).status_code == 404
    assert api.post("/v1/rebuild", headers=headers).json()["index"]["documents"] == 3


def test_rate_limit_per_client_with_retry_after(service):
    served = Served(create_app(service.settings, ApiConfig(rate_per_min=30, burst=3), service))
    try:
        with httpx.Client(base_url=served.url) as client:
            codes = [client.get("/v1/documents").status_code for _ in range(4)]
            assert codes == [200, 200, 200, 429]
            limited = client.get("/v1/chunks/notice:1")
            assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 2
            assert "too many requests" in _no_traceback(limited)["error"]
            assert client.get("/healthz").status_code == 200  # probes are never limited
    finally:
        served.stop()


def test_no_cors_unless_configured(api, service):
    preflight = {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in api.options("/v1/ask", headers=preflight).headers
    assert "access-control-allow-origin" not in api.get("/healthz", headers={"Origin": "https://example.org"}).headers
    served = Served(create_app(service.settings, ApiConfig(cors_origins=("https://example.org",)), service))
    try:
        r = httpx.options(served.url + "/v1/ask", headers=preflight)
        assert r.headers["access-control-allow-origin"] == "https://example.org"
    finally:
        served.stop()


@pytest.mark.slow  # python -m retrieval serve in another process
def test_serve_entry_point(fast_engine, tmp_path):
    """`python -m retrieval serve` as a deployment starts it: its own process, settings from the environment."""
    from tests.conftest import _settings_over_corpus_copy

    settings = _settings_over_corpus_copy(tmp_path)
    copy_index(fast_engine.settings, settings)
    env = dict(
        POLICY_QA_EMBED_MODEL="hash", POLICY_QA_CORPUS_DIR=str(settings.corpus_dir),
        POLICY_QA_DATA_DIR=str(settings.data_dir), POLICY_QA_INDEX_DIR=str(settings.index_dir), OMP_NUM_THREADS="1",
        POLICY_QA_API_KEY_HASH=None,
    )
    url, proc = start_api(env)
    try:
        assert httpx.get(url + "/v1/documents").status_code == 200
        # Admin is off without a configured key: still 401, nothing else.
        assert httpx.delete(url + "/v1/documents/notice", headers={"X-API-Key": "anything"}).status_code == 401
        assert "server" not in httpx.get(url + "/healthz").headers
    finally:
        stop(proc)
