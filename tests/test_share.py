"""Share links and copy text (pure functions), and the Ask page's follow-up, share and export journey (AppTest)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from retrieval.engine import MAX_QUESTION_CHARS
from tests._app import fast_app_env, markdown_text, open_app  # noqa: F401
from ui.share import SharedQuestion, plain_text, read_shared, share_link, share_query

FIRST = "制造企业在试点中有哪些任务？"


def ask(at, question: str):
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---- links --------------------------------------------------------------------------------


def test_share_link_round_trips_question_and_after():
    link = share_link("http://localhost:8501/?q=old", "那高校呢？", ["制造企业在试点中有哪些任务？"])
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "localhost:8501", "/")
    params = parse_qs(parts.query)
    assert params == {"q": ["那高校呢？"], "after": ["制造企业在试点中有哪些任务？"]}
    shared = read_shared({k: v[-1] for k, v in params.items()}, lambda key: params.get(key, []))
    assert shared == SharedQuestion("那高校呢？", ("制造企业在试点中有哪些任务？",))


def test_share_link_without_follow_up_has_only_q_and_works_from_the_root_url():
    assert share_query("试点周期是几年？") == "q=%E8%AF%95%E7%82%B9%E5%91%A8%E6%9C%9F%E6%98%AF%E5%87%A0%E5%B9%B4%EF%BC%9F"
    # Behind a proxy under a base path the Ask page (the default page) is that path.
    assert share_link("https://qa.example.gov.cn/policy/", "a b&c") == "https://qa.example.gov.cn/policy/?q=a+b%26c"
    assert share_link("http://127.0.0.1:8501", "x") == "http://127.0.0.1:8501/?q=x"
    assert share_link(None, "x") == "?q=x"


def test_shared_values_are_untrusted_text():
    assert read_shared({}) is None and read_shared({"q": "   "}) is None
    shared = read_shared({"q": "x" * 5000 + "\x00\u202e", "after": "[link](javascript:alert(1))"})
    assert len(shared.question) == MAX_QUESTION_CHARS and "\x00" not in shared.question
    assert shared.after == ("[link](javascript:alert(1))",)  # kept as text; the page never renders it as Markdown
    many = read_shared({"q": "a"}, lambda key: [f"q{n}" for n in range(10)])
    assert many.after == ("q0", "q1", "q2")


def test_plain_text_has_answer_document_section_and_quote(fast_engine):
    answer = fast_engine.ask("试点城市的实施方案要在什么时候之前印发？")
    source = next(c for c in answer.citations if c.chunk_id == answer.answer_chunk_id)
    text = plain_text("试点城市的实施方案要在什么时候之前印发？", answer)
    assert text.splitlines() == [
        "问：试点城市的实施方案要在什么时候之前印发？",
        f"答（原文摘录）：“{answer.answer}”",
        f"出处：《{source.doc_title.strip('《》')}》（{source.authority_label}）{source.section}",
    ]
    declined = fast_engine.ask("个人所得税专项附加扣除怎么申报？")
    assert plain_text("个人所得税专项附加扣除怎么申报？", declined, "x").splitlines()[1:] == ["理解为：x", f"答：{declined.answer}"]


# ---- the Ask page -------------------------------------------------------------------------


def test_follow_up_shows_understood_as_and_can_be_asked_alone(fast_app_env):
    at = ask(ask(open_app(), FIRST), "那高校呢？")
    info = [i.body for i in at.info]
    assert any("理解为：高校在试点中有哪些任务？" in b for b in info), info
    assert len(at.chat_message) == 4
    # The share link of the follow-up carries the previous question; copy text has the source.
    codes = [c.value for c in at.code]
    link = next(c for c in codes if "q=" in c and "after=" in c)
    assert parse_qs(urlsplit(link).query) == {"q": ["那高校呢？"], "after": [FIRST]}
    assert any(c.startswith("问：那高校呢？\n理解为：高校在试点中有哪些任务？\n答") and "出处：《" in c for c in codes)

    at.button(key="pqa_alone_1").click().run()
    assert not at.exception
    assert len(at.chat_message) == 6
    assert [t.value for t in at.text][-1] == "那高校呢？"
    assert len([i for i in at.info if "理解为" in i.body]) == 1  # asked alone: not completed again


def test_stand_alone_question_gets_no_understood_as_note(fast_app_env):
    at = ask(ask(open_app(), FIRST), "试点周期是几年？")
    assert not [i for i in at.info if "理解为" in i.body]
    links = [c.value for c in at.code if "q=" in c.value]
    assert links and all("after=" not in link for link in links)


def test_shared_link_opens_the_ask_page_with_that_answer(fast_app_env):
    at = open_app("ui/pages/ask.py", {"q": "那高校呢？", "after": FIRST})
    assert len(at.chat_message) == 2
    assert [t.value for t in at.text] == ["那高校呢？"]
    assert any("理解为：高校在试点中有哪些任务？" in i.body for i in at.info)
    at.run()  # a rerun (any click) does not ask the shared question again
    assert len(at.chat_message) == 2


def test_shared_link_text_is_shown_as_text(fast_app_env):
    hostile = "**粗体** [link](javascript:alert(1)) <script>x</script> 试点周期是几年？"
    at = open_app("ui/pages/ask.py", {"q": hostile})
    assert [t.value for t in at.text] == [hostile]
    for m in at.markdown:
        assert "<script>" not in m.value and "](javascript" not in m.value


def test_export_buttons_appear_with_a_conversation(fast_app_env):
    at = open_app()
    assert not [b for b in at.get("download_button") if "export" in (b.proto.id or "")]
    at = ask(at, FIRST)
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"导出 Markdown", "导出 Word", "导出 PDF"} <= set(labels)
    assert "导出对话" in markdown_text(at)


# ---- in Chromium: follow-up, share link, and the link opened in a new session ---------------


@pytest.fixture(scope="module")
def fast_server(fast_engine, fast_settings, tmp_path_factory):
    from benchmarks.app_server import running_streamlit

    log = tmp_path_factory.mktemp("share_server") / "streamlit.log"
    env = {
        "POLICY_QA_EMBED_MODEL": fast_settings.model,
        "POLICY_QA_CORPUS_DIR": str(fast_settings.corpus_dir),
        "POLICY_QA_DATA_DIR": str(fast_settings.data_dir),
        "POLICY_QA_INDEX_DIR": str(fast_settings.index_dir),
    }
    with running_streamlit(env, log) as url:
        yield url, log


@pytest.mark.browser
def test_follow_up_and_share_link_in_chromium(fast_server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from benchmarks.app_server import chrome
    from tests.test_browser import _body, _settle, _wait_text

    url, log = fast_server
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    d = chrome()
    d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})

    def ask(question: str, wait_for: str) -> None:
        box = WebDriverWait(d, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="stChatInputTextArea"]'))
        box.send_keys(question)
        box.send_keys(Keys.ENTER)
        _wait_text(d, wait_for)
        _settle(d)

    try:
        d.get(url + "/")
        _wait_text(d, "试试这些问题")
        _settle(d)
        ask(FIRST, "依据 Source")
        ask("那高校呢？", "理解为：高校在试点中有哪些任务？")
        assert "单独提问原问题" in _body(d)

        share = d.find_elements(By.XPATH, "//button[contains(., '分享 · 复制')]")
        assert len(share) == 2  # one per answer
        d.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", share[-1])
        _wait_text(d, "Link that opens this answer")
        codes = [c.text for c in d.find_elements(By.CSS_SELECTOR, '[data-testid="stCode"] code')]
        link = next(c for c in codes if c.startswith(url)).replace("\n", "")
        assert parse_qs(urlsplit(link).query) == {"q": ["那高校呢？"], "after": [FIRST]}
        d.save_screenshot(str(tmp_path / "share.png"))

        # A colleague opens the link: a new session shows that answer, completed the same way.
        d.get(link)
        _wait_text(d, "理解为：高校在试点中有哪些任务？")
        _settle(d)
        body = _body(d)
        assert "Page not found" not in body
        assert body.count("那高校呢？") >= 1 and FIRST not in body.replace("after=", "")
        assert "依据 Source" in body

        # The conversation exports as a PDF, made when the button is clicked.
        button = d.find_element(By.XPATH, "//button[contains(., '导出 PDF')]")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", button)
        WebDriverWait(d, 30).until(lambda _: [p for p in downloads.glob("*.pdf")])
        pdf = next(downloads.glob("*.pdf"))
        WebDriverWait(d, 10).until(lambda _: pdf.read_bytes().rstrip().endswith(b"%%EOF"))
        assert pdf.read_bytes().startswith(b"%PDF")
    except Exception:
        d.save_screenshot(str(tmp_path / "failure.png"))
        print("page text at failure:\n", _body(d)[:3000], "\nserver log:\n", log.read_text()[-3000:])
        raise
    finally:
        d.quit()
