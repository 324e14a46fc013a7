"""The app as a user meets it: `streamlit run app.py` or `python -m retrieval serve` on a free
port, and Debian's headless Chromium.

Shared by the browser and server tests and the benchmarks that time or load the running
app, so they start the servers and the browser the same way.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from benchmarks._common import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=zh-CN",
)


def chromium_installed() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120, probe: str = "/_stcore/health") -> None:
    """Until `probe` answers 200 (Streamlit's health check by default); fails if the process ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
            raise RuntimeError(f"{proc.args[2]} exited with {proc.returncode} {err}")
        try:
            with urllib.request.urlopen(url + probe, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not become ready")


def start_api(env: Mapping[str, str | None], port: int | None = None, timeout: float = 120) -> tuple[str, subprocess.Popen]:
    """`python -m retrieval serve` with `env` over this environment (None unsets), ready; its URL and process."""
    port = port or free_port()
    full_env = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    proc = subprocess.Popen(
        [sys.executable, "-m", "retrieval", "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=REPO_ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout, probe="/readyz")
    except BaseException:
        stop(proc)
        raise
    return url, proc


def start_streamlit(
    env: Mapping[str, str | None], log: Path | None = None, port: int | None = None, args: Sequence[str] = ()
) -> tuple[str, subprocess.Popen]:
    """Start the app with `env` over this process's environment (None unsets a variable) and extra
    `streamlit run` options; returns its URL and process, not yet healthy."""
    port = port or free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *args,
    ]
    full_env = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - the child owns it until it exits
    try:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    finally:
        if log:
            out.close()
    return f"http://127.0.0.1:{port}", proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def running_streamlit(
    env: Mapping[str, str | None], log: Path | None = None, timeout: float = 120, **start
) -> Iterator[str]:
    """The app, healthy, for the length of the block; yields its URL (`start`: port, args)."""
    url, proc = start_streamlit(env, log, **start)
    try:
        wait_healthy(url, proc, timeout)
        yield url
    finally:
        stop(proc)


@contextmanager
def isolated_folders(prefix: str) -> Iterator[dict[str, str]]:
    """Temp copies of corpus/ and index/ and an empty data folder for the length of the block;
    yields the variables that point the app at them."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        shutil.copytree(REPO_ROOT / "corpus", tmp / "corpus")
        if (REPO_ROOT / "index").exists():
            shutil.copytree(REPO_ROOT / "index", tmp / "index", ignore=shutil.ignore_patterns(".lock"))
        yield {
            "POLICY_QA_CORPUS_DIR": str(tmp / "corpus"),
            "POLICY_QA_INDEX_DIR": str(tmp / "index"),
            "POLICY_QA_DATA_DIR": str(tmp / "data"),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def served_for_benchmark(
    kind: str, isolated: bool, env: Mapping[str, str | None] | None = None, timeout: float = 300
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`kind` "api" or "streamlit", started and ready for the block (on temp copies of the
    folders if `isolated`), stopped after it; yields its URL and process."""
    with ExitStack() as stack:
        full_env = dict(env or {})
        if isolated:
            full_env.update(stack.enter_context(isolated_folders(f"pqa-{kind}-")))
        if kind == "api":
            url, proc = start_api(full_env, timeout=timeout)
        else:
            url, proc = start_streamlit(full_env)
            try:
                wait_healthy(url, proc, timeout)
            except BaseException:
                stop(proc)
                raise
        stack.callback(stop, proc)  # runs before the temp folders go
        yield url, proc


def chrome(width: int = 1440, height: int = 1000):
    """Headless Chromium through Selenium, with the flags that keep it off the network."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver
