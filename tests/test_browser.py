"""End to end: `streamlit run app.py` on a free port, driven by Debian's Chromium through Selenium.

Screenshots go to a temp folder, or to $POLICY_QA_SCREENSHOTS (e.g. docs/screenshots) when set.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from benchmarks.app_server import chrome, chromium_installed, running_streamlit

WIDTH = 1440

# On a developer machine without the browser the test is skipped; in CI (.ci/run installs it) it must run.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not chromium_installed() and not os.environ.get("CI"),
        reason="Debian chromium/chromedriver not installed (apt-get install chromium chromium-driver)",
    ),
]


@pytest.fixture(scope="module")
def server(engine, engine_settings, tmp_path_factory):
    # `engine` has built the index in these folders already, so the server only loads it.
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = {
        "POLICY_QA_CORPUS_DIR": str(engine_settings.corpus_dir),
        "POLICY_QA_DATA_DIR": str(engine_settings.data_dir),
        "POLICY_QA_INDEX_DIR": str(engine_settings.index_dir),
    }
    with running_streamlit(env, log) as url:
        yield url, log


@pytest.fixture(scope="module")
def browser():
    driver = chrome(WIDTH)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("POLICY_QA_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _wait_text(driver, text: str, timeout: float = 90) -> None:
    WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.XPATH, f"//*[contains(., '{text}')]")))
    WebDriverWait(driver, timeout).until(lambda d: text in d.find_element(By.TAG_NAME, "body").text)


def _settle(driver, timeout: float = 60) -> None:
    """Wait until the app has finished running (no 'Running…' status widget)."""
    time.sleep(0.5)
    WebDriverWait(driver, timeout).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
        or "Running" not in d.find_element(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]').text
    )
    time.sleep(0.8)


def _screenshot(driver, path: Path) -> None:
    """Full-page screenshot: grow the window to the height of Streamlit's scrolling main area."""
    height = driver.execute_script(
        "return Math.max(...[...document.querySelectorAll('body, body *')]"
        ".map(e => e.scrollHeight));"
    )
    driver.set_window_size(WIDTH, min(max(int(height) + 160, 900), 5200))
    time.sleep(1.0)
    driver.save_screenshot(str(path))
    driver.set_window_size(WIDTH, 1000)
    assert path.stat().st_size > 10_000


def _body(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def test_ask_then_every_page(server, browser, shots):
    url, log = server
    try:
        _journey(url, browser, shots)
    except Exception:
        browser.save_screenshot(str(shots / "failure.png"))
        print("page text at failure:\n", _body(browser)[:3000])
        print("server log:\n", log.read_text()[-3000:])
        raise


def _journey(server: str, d, shots: Path) -> None:
    d.get(server + "/")
    _wait_text(d, "试试这些问题")
    _wait_text(d, "索引状态")
    _settle(d)
    _screenshot(d, shots / "ask-start.png")

    box = WebDriverWait(d, 30).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, '[data-testid="stChatInputTextArea"]'))
    )
    box.send_keys("试点总结报告什么时候要完成？")
    box.send_keys(Keys.ENTER)
    _wait_text(d, "依据 Source")
    _settle(d)
    text = _body(d)
    assert "2027年12月" in text
    assert "通知原文" in text or "政策解读" in text
    assert "在原文中查看" in text
    _screenshot(d, shots / "ask-answer.png")

    box = d.find_element(By.CSS_SELECTOR, '[data-testid="stChatInputTextArea"]')
    box.send_keys("明天北京天气怎么样？")
    box.send_keys(Keys.ENTER)
    _wait_text(d, "Not covered by these documents")
    _settle(d)
    _screenshot(d, shots / "ask-declined.png")

    # The citation's deep link opens the clause on the Documents page.
    link = d.find_elements(By.XPATH, "//a[contains(., '在原文中查看')]")[0]
    # The toolbar or the pinned chat input can cover the link; click it as a user's click event would.
    d.execute_script("arguments[0].click();", link)
    _wait_text(d, "已定位条款")
    _settle(d)
    assert "documents" in d.current_url and "chunk=" in d.current_url

    d.get(server + "/overview")
    _wait_text(d, "政策速览")
    _wait_text(d, "四部门联合组织开展")
    _settle(d)
    _screenshot(d, shots / "overview.png")

    d.get(server + "/timeline")
    _wait_text(d, "各环节 Steps")
    _settle(d)
    text = _body(d)
    for needed in ("2025-07-18", "2025-09-30", "2027-12-31", "下载日历"):
        assert needed in text
    assert d.find_elements(By.CSS_SELECTOR, "canvas, svg.marks, [data-testid='stVegaLiteChart']")
    _screenshot(d, shots / "timeline.png")

    d.get(server + "/selfcheck")
    _wait_text(d, "请先选择身份")
    d.find_element(By.XPATH, "//label[contains(., '制造企业')]").click()
    _wait_text(d, "你可以利用的支持措施")
    _settle(d)
    text = _body(d)
    assert "组建招聘用工联合体" in text and "通知原文" in text
    _screenshot(d, shots / "selfcheck.png")

    d.get(server + "/documents?chunk=notice:4.2")
    _wait_text(d, "已定位条款")
    _settle(d)
    assert "于2025年9月底前印发" in _body(d)
    _screenshot(d, shots / "documents.png")
