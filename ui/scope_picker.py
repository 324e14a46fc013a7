"""The Ask page's "ask which documents" selector: all, a kind (notice and interpretation, local
plans, laws …) or one document. The choice lives in the session; `current_scope` turns it into
the engine's Scope."""

from __future__ import annotations

import streamlit as st

from retrieval.documents import AUTHORITY_GROUP_LABELS, AUTHORITY_GROUPS
from retrieval.engine import Engine
from retrieval.scope import Scope

KEY = "pqa_scope"
ALL = "all"


def _options(engine: Engine) -> dict[str, str]:
    docs = engine.index.documents
    present = {d.authority for d in docs}
    options = {ALL: "全部文档 All documents"}
    for group, authorities in AUTHORITY_GROUPS.items():
        if present.intersection(authorities):
            options[f"kind:{group}"] = AUTHORITY_GROUP_LABELS[group]
    for d in docs:
        mark = "（已被取代）" if d.superseded_by else ""
        options[f"doc:{d.doc_id}"] = f"仅此文档 Only: {d.title[:40]}{mark}"
    return options


def scope_picker(engine: Engine) -> None:
    """A compact selector; a choice that no longer exists (a removed document) falls back to all."""
    options = _options(engine)
    if st.session_state.get(KEY) not in options:
        st.session_state[KEY] = ALL
    st.selectbox(
        "检索范围 Ask which documents",
        list(options),
        format_func=options.__getitem__,
        key=KEY,
        label_visibility="collapsed",
    )


def current_scope(engine: Engine) -> Scope | None:
    choice = st.session_state.get(KEY, ALL)
    if choice.startswith("kind:") and choice[5:] in AUTHORITY_GROUPS:
        return Scope.of(authorities=AUTHORITY_GROUPS[choice[5:]])
    if choice.startswith("doc:") and engine.index.document(choice[4:]) is not None:
        return Scope.of(doc_ids=[choice[4:]])
    return None


__all__ = ["KEY", "current_scope", "scope_picker"]
