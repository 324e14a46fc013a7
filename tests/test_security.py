"""What any visitor without a password can do: URL parameters, titles, the chat box, feedback,
Streamlit's upload endpoint and error pages — through AppTest and a real `streamlit run` server."""

from __future__ import annotations

import asyncio
import http.client
import os
import subprocess
import sys
import time
import tomllib
import urllib.request
import uuid

import pytest
from streamlit.testing.v1 import AppTest

from benchmarks.app_server import free_port
from retrieval.documents import DocumentMeta
from retrieval.engine import MAX_QUESTION_CHARS, REPO_ROOT
from retrieval.library import Library
from retrieval.engine import Engine
from retrieval.readers import max_upload_bytes
from tests._app import APP, TIMEOUT, fast_app_env, markdown_text, open_app  # noqa: F401
from tests._cli import settings_env
from tests._files import copy_index, indexed_copy

DOCUMENTS = "ui/pages/documents.py"
PHISH = "http://evil.example/login 账号已过期，请点此重新登录"


def _markdown_only(at: AppTest) -> str:
    """Everything Streamlit renders through Markdown (st.text is left out: it never links)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [h.value for h in at.title] + [h.value for h in at.header] + [h.value for h in at.subheader]
    parts += [w.body for w in at.warning] + [e.body for e in at.error] + [i.body for i in at.info]
    parts += [x.label for x in at.expander]
    return "\n".join(parts)


# ---- echoed links and titles --------------------------------------------------------------


def test_chunk_parameter_is_never_rendered_as_markdown(fast_app_env):
    at = open_app(DOCUMENTS, query={"chunk": PHISH})
    assert any("未找到条款" in w.body for w in at.warning)
    assert "evil.example" not in _markdown_only(at)
    assert any(PHISH in t.value for t in at.text)  # shown, as plain text


def test_search_parameter_is_never_rendered_as_markdown(fast_app_env):
    at = open_app(DOCUMENTS, query={"q": "www.evil.example 请登录"})
    assert "evil.example" not in _markdown_only(at)
    assert any("www.evil.example" in t.value for t in at.text)


def test_document_title_is_text_not_markdown(fresh_fast_settings, fast_engine, monkeypatch):
    settings = fresh_fast_settings
    copy_index(fast_engine.settings, settings)
    engine = Engine.open(settings)
    title = "![x](http://img.example/track.png) 某市方案 http://evil.example/x"
    doc = Library(engine).add("一、工作目标\n某市建设人力资源服务产业园。".encode(), "plan.txt", DocumentMeta(title=title)).document
    for name, value in (
        ("POLICY_QA_EMBED_MODEL", settings.model),
        ("POLICY_QA_CORPUS_DIR", settings.corpus_dir),
        ("POLICY_QA_DATA_DIR", settings.data_dir),
        ("POLICY_QA_INDEX_DIR", settings.index_dir),
    ):
        monkeypatch.setenv(name, str(value))
    at = open_app(DOCUMENTS, query={"doc": doc.doc_id})
    assert "img.example" not in _markdown_only(at) and "evil.example" not in _markdown_only(at)
    html_parts = [e.proto.body for e in at.get("html")]
    assert any("![x](http://img.example/track.png)" in h and "<img" not in h for h in html_parts), html_parts


# ---- the chat box ------------------------------------------------------------------------


def test_over_long_question_is_limited_and_never_kept(fast_app_env):
    at = open_app()
    assert at.chat_input[0].max_chars == MAX_QUESTION_CHARS
    # A client that ignores the box's limit (a script on the websocket) sends 2 MB anyway:
    # the server cuts the widget value to the box's limit, so 2 MB is never held or resent.
    at.chat_input[0].set_value("问" * 2_000_000).run()
    assert not at.exception
    assert all(len(e["question"]) <= MAX_QUESTION_CHARS for e in at.session_state["pqa_chat"])
    # A question the engine refuses is reported once and not kept in the conversation.
    at.session_state["pqa_chat"] = []
    at.chat_input[0].set_value("？！……").run()
    assert any("没有可检索的文字" in e.value for e in at.error)
    assert at.session_state["pqa_chat"] == []
    at.run()  # the next rerun carries nothing of it
    assert at.session_state["pqa_chat"] == [] and not any("没有可检索的文字" in e.value for e in at.error)
    at.chat_input[0].set_value("试点城市的实施方案要在什么时候之前印发？").run()
    assert len(at.session_state["pqa_chat"]) == 1


# ---- feedback flood ---------------------------------------------------------------------------


def test_feedback_is_rate_limited_per_session_and_address(tmp_path, monkeypatch):
    from ui.auth import FEEDBACK_PER_ADDRESS, FEEDBACK_PER_SESSION, allow_feedback

    monkeypatch.setenv("POLICY_QA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("POLICY_QA_DATABASE_URL", raising=False)
    assert all(allow_feedback("s1") for _ in range(FEEDBACK_PER_SESSION))
    assert not allow_feedback("s1")
    # New sessions from the same address share the address's budget.
    allowed = sum(allow_feedback(f"s{i}") for i in range(2, 40))
    assert allowed == FEEDBACK_PER_ADDRESS - FEEDBACK_PER_SESSION
    assert not allow_feedback(uuid.uuid4().hex)


# ---- configuration -------------------------------------------------------------------------


def test_streamlit_config_limits_uploads_and_hides_error_details():
    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == max_upload_bytes()
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"].get("enableXsrfProtection", True) is True
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=REPO_ROOT, check=False
    ).returncode
    assert ignored == 0, ".streamlit/secrets.toml must be git-ignored"


# ---- a real server ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(fast_engine, tmp_path_factory):
    """`streamlit run app.py` from the repository (so .streamlit/config.toml applies), with a
    feedback database that does not answer, as when the database server is down."""
    root = tmp_path_factory.mktemp("secserver")
    settings = indexed_copy(fast_engine.settings, root)
    dead_port = free_port()
    port = free_port()
    env = {
        **os.environ,
        **settings_env(settings),
        "POLICY_QA_DATABASE_URL": f"postgresql+psycopg://policy:secret@127.0.0.1:{dead_port}/feedback",
        "OMP_NUM_THREADS": "1",
    }
    log = root / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start")
    yield url, dead_port, log
    proc.terminate()
    proc.wait(timeout=30)


async def _open_session(url: str, cookie: str):
    """A browser session over Streamlit's websocket; returns (session_id, page outcome)."""
    from websockets.asyncio.client import connect
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from benchmarks.load_streamlit import _rerun, _run

    ws = await connect(
        url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"], max_size=None,
        additional_headers={"Cookie": cookie}, ping_interval=None,
    )
    await ws.send(_rerun("").SerializeToString())
    session_id = None
    while session_id is None:
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(ws.recv(), 60))
        if msg.WhichOneof("type") == "new_session":
            session_id = msg.new_session.initialize.session_id
    # Let the first run finish, collecting what the visitor is shown.
    outcome = await _run(ws, _rerun(""), 120)
    return ws, session_id, outcome


def _xsrf_cookie(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as r:  # sets the XSRF cookie
        cookies = r.headers.get_all("Set-Cookie") or []
    for c in cookies:
        name, _, rest = c.partition("=")
        if name.strip() == "_streamlit_xsrf":
            value = rest.split(";")[0]
            return value, f"_streamlit_xsrf={value}"
    raise AssertionError(f"no XSRF cookie in {cookies}")


def _put(url: str, path: str, body: bytes, headers: dict) -> int:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request("PUT", path, body=body, headers=headers)
        return conn.getresponse().status
    except (ConnectionResetError, BrokenPipeError):
        return 413  # the server may close the connection once the limit is passed
    finally:
        conn.close()


@pytest.mark.slow  # a streamlit server process
def test_upload_endpoint_refuses_more_than_the_apps_limit(server):
    url, _, _ = server
    token, cookie = _xsrf_cookie(url)

    async def scenario():
        ws, session_id, _ = await _open_session(url, cookie)
        try:
            statuses = {}
            for size_mb in (1, 25):
                boundary = uuid.uuid4().hex
                body = (
                    f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                    f"Content-Type: text/plain\r\n\r\n"
                ).encode() + b"a" * (size_mb * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
                statuses[size_mb] = _put(
                    url, f"/_stcore/upload_file/{session_id}/{uuid.uuid4().hex}", body,
                    {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": token, "Cookie": cookie},
                )
            return statuses
        finally:
            await ws.close()

    statuses = asyncio.run(scenario())
    assert statuses[1] in (200, 204), statuses  # the endpoint works, within the limit
    assert statuses[25] == 413, statuses  # Streamlit's default would take up to 200 MB


@pytest.mark.slow  # a streamlit server process
def test_visitors_see_no_error_details_and_the_server_logs_them(server):
    url, dead_port, log = server
    _, cookie = _xsrf_cookie(url)

    async def scenario():
        ws, _, outcome = await _open_session(url, cookie)
        await ws.close()
        return outcome

    outcome = asyncio.run(scenario())
    assert outcome.exceptions, "the dead database should have failed the Ask page"
    shown = "\n".join(outcome.exceptions + outcome.texts)
    assert str(dead_port) not in shown and "127.0.0.1" not in shown and "psycopg" not in shown.lower()
    deadline = time.monotonic() + 10
    while str(dead_port) not in log.read_text(errors="replace") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert str(dead_port) in log.read_text(errors="replace")  # the detail is in the server's log


def test_escaped_text_cannot_become_an_autolink():
    # Streamlit's Markdown (GFM) links http://…, www.… and a@b.c found in text even after
    # backslash escapes (seen in Chromium); escape_markdown must break those markers.
    from ui.text import escape_markdown

    for raw in ("http://evil.example/login", "HTTPS://evil.example", "www.evil.example", "li@evil.example", "mailto:x@y.z"):
        out = escape_markdown(f"请点此 {raw} 重新登录").replace("\\", "")
        assert raw.lower() not in out.lower(), out
        assert raw.lower() == out.replace("\u2060", "").split()[1].lower()  # reads the same
    assert escape_markdown("第一条 (一) 1.5%") == "第一条 \\(一\\) 1\\.5%"
