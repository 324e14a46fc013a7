"""The one Engine per server process, and the feedback store next to it."""

from __future__ import annotations

import threading

import streamlit as st

from retrieval.engine import Engine, Settings
from store.feedback import FeedbackStore

_STAGES = {"chunk": "切分条款 Chunking", "embed": "计算向量 Embedding", "save": "保存索引 Saving"}


class _Slot:
    """Holds the engine once opened; the lock makes concurrent first visitors wait for one load."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.engine: Engine | None = None


@st.cache_resource(show_spinner=False)
def _slot(settings: Settings) -> _Slot:
    # Cached per server and per settings. The engine itself is opened outside the cached
    # function, so the progress bar is drawn in the visitor's page, never replayed from a cache.
    return _Slot()


def get_engine() -> Engine:
    """The shared engine; the first visit shows a spinner, and a progress bar if the index is built."""
    settings = Settings.from_env()
    slot = _slot(settings)
    if slot.engine is not None:
        return slot.engine
    box = st.empty()

    def progress(stage: str, done: int, total: int) -> None:
        label = _STAGES.get(stage, stage)
        box.progress(min(1.0, done / total) if total else 1.0, text=f"{label} {done}/{total}")

    with st.spinner("正在加载模型和索引（首次启动可能需要一两分钟）… Loading the model and index…"):
        with slot.lock:
            if slot.engine is None:
                slot.engine = Engine.open(settings, progress=progress)
    box.empty()
    return slot.engine


@st.cache_resource(show_spinner=False)
def _open_feedback(data_dir: str) -> FeedbackStore:
    return FeedbackStore.for_data_dir(data_dir)


def get_feedback_store() -> FeedbackStore:
    return _open_feedback(str(Settings.from_env().data_dir))
