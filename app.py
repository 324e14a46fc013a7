"""政策问答 Policy Q&A — entry point: `streamlit run app.py`."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.components import inject_css
from ui.engine_resource import get_engine
from ui.sidebar import index_status

HERE = Path(__file__).resolve().parent

st.set_page_config(
    page_title="政策问答 Policy Q&A · 人社部发〔2025〕27号",
    page_icon=":material/policy:",
    layout="wide",
    initial_sidebar_state="expanded",
)
inject_css()

pages = [
    st.Page("ui/pages/ask.py", title="问答 Ask", icon=":material/forum:", url_path="ask", default=True),
    st.Page("ui/pages/overview.py", title="政策速览 Overview", icon=":material/summarize:", url_path="overview"),
    st.Page("ui/pages/timeline.py", title="时间线 Timeline", icon=":material/timeline:", url_path="timeline"),
    st.Page("ui/pages/selfcheck.py", title="适用性自查 Self-check", icon=":material/fact_check:", url_path="selfcheck"),
    st.Page("ui/pages/documents.py", title="原文 Documents", icon=":material/description:", url_path="documents"),
]
# The admin page is written separately; the app runs with or without it.
if (HERE / "ui" / "pages" / "admin.py").exists():
    pages.append(
        st.Page("ui/pages/admin.py", title="管理 Admin", icon=":material/admin_panel_settings:", url_path="admin")
    )

page = st.navigation(pages)
with st.sidebar:
    st.markdown("### 政策问答 Policy Q&A")
    st.caption("人力资源服务业与制造业融合发展试点（人社部发〔2025〕27号）")
engine = get_engine()
index_status(engine)
page.run()
