"""The one Engine per server process, and the feedback store next to it.

Both are process-wide objects, not `st.cache_resource` entries: any browser session can
send Streamlit's "clear cache" message, and a cached engine would then be loaded again
(seconds for the next visitor, hundreds of MB never freed). The engine changes only
through the index-change mechanism (`retrieval.service`).
"""

from __future__ import annotations

import functools

import streamlit as st

from retrieval.engine import Engine, Settings
from retrieval.service import shared_service
from store.feedback import FeedbackStore
from ui.components import BUILD_STAGES as _STAGES  # one table of stage labels for the app


def get_engine() -> Engine:
    """The shared engine; the first visit shows a spinner, and a progress bar if the index is built."""
    service = shared_service(Settings.from_env())
    if service.engine is not None:
        return service.engine
    box = st.empty()

    def progress(stage: str, done: int, total: int) -> None:
        label = _STAGES.get(stage, stage)
        box.progress(min(1.0, done / total) if total else 1.0, text=f"{label} {done}/{total}")

    with st.spinner("正在加载模型和索引（首次启动可能需要一两分钟）… Loading the model and index…"):
        engine = service.get(progress=progress)
    box.empty()
    return engine


@functools.cache
def _open_feedback(data_dir: str) -> FeedbackStore:
    # Process-wide for the same reason as the engine: one connection pool, not one per cache clear.
    return FeedbackStore.for_data_dir(data_dir)


def get_feedback_store() -> FeedbackStore:
    return _open_feedback(str(Settings.from_env().data_dir))
