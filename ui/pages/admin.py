"""管理 Admin: add, list, remove documents and rebuild the index — after login only."""

from __future__ import annotations

import streamlit as st

from retrieval.documents import AUTHORITIES, AUTHORITY_LABELS_ZH, USER_ADDED, DocumentMeta
from retrieval.library import Library
from retrieval.quarantine import quarantined
from retrieval.readers import SUPPORTED_SUFFIXES, DocumentRejected, max_upload_bytes
from ui.auth import audit, current_actor, hash_is_current, load_config, require_admin, security, session_login
from ui.components import progress_text
from ui.engine_resource import get_engine
from ui.text import escape_markdown

FLASH = "_admin_flash"

st.title("管理 Admin")

if not require_admin():
    st.stop()


def _label(authority: str) -> str:
    return f"{AUTHORITY_LABELS_ZH.get(authority, authority)} ({authority})"


def _progress_bar():
    bar = st.progress(0.0, text="准备中 Starting…")

    def report(stage: str, done: int, total: int) -> None:
        bar.progress(min(1.0, done / total) if total else 1.0, text=progress_text(stage, done, total))

    return bar, report


def _flash(kind: str, message: str) -> None:
    st.session_state[FLASH] = (kind, message)


engine = get_engine()
library = Library(engine)

top = st.columns([4, 1])
top[0].caption("已登录为管理员（见下方账号）。上传的文档保存在数据目录中，系统自带的文档不能在这里删除。 Signed in as:")
top[0].text(current_actor())
if top[1].button("退出登录 Log out", key="logout"):
    audit("logout")
    was_sso = session_login().method == "sso"
    session_login().logout()
    if was_sso:
        st.logout()
    st.rerun()
_config = load_config(st.secrets)
if _config.kind == "hash" and not hash_is_current(_config.secret):
    st.warning(
        "管理员密码哈希的强度低于当前标准，请用 `python -m ui.auth` 重新生成。 "
        "The admin password hash uses less work than the current standard (scrypt N=2^17); make a new one."
    )

if FLASH in st.session_state:
    kind, message = st.session_state.pop(FLASH)
    (st.success if kind == "ok" else st.error)(message)

if not library.index_is_current():
    st.warning(
        "文档已被其他进程（命令行或另一台服务器）修改，当前索引尚未包含这些改动，请点击下方“重建索引”。 "
        "The documents were changed by another process; rebuild to include the change."
    )

# ---- add -----------------------------------------------------------------------------------
st.subheader("添加文档 Add a document", anchor=False)
limit_mb = max_upload_bytes() / 1048576
with st.form("add_document", clear_on_submit=True):
    upload = st.file_uploader(
        f"PDF、TXT、MD 或 DOCX，不超过 {limit_mb:.0f} MB (PDF, .txt, .md or .docx, up to {limit_mb:.0f} MB)",
        type=[s.lstrip(".") for s in SUPPORTED_SUFFIXES],
        key="upload",
    )
    title = st.text_input("标题 Title（留空则用文件名 / default: file name）", key="title")
    c1, c2 = st.columns(2)
    authority = c1.selectbox(
        "来源类别 Source label", AUTHORITIES, index=AUTHORITIES.index(USER_ADDED), format_func=_label, key="authority"
    )
    date = c2.text_input("印发日期 Date (YYYY-MM-DD)", key="date")
    current_added = {r.doc_id: r.title for r in library.documents() if r.removable and not r.superseded_by}
    replaces = st.selectbox(
        "新版本替换 Replaces（旧版本保留并标为已被取代 / the old version stays, marked superseded）",
        ["", *current_added],
        format_func=lambda i: f"{i} · {current_added[i]}" if i else "不替换 (a new document)",
        key="replaces",
    )
    confirm_official = st.checkbox(
        "我确认该文件是正式发布的官方文件 (I confirm this is an officially issued document)", key="confirm_official"
    )
    submitted = st.form_submit_button("添加并更新索引 Add and re-index", type="primary", key="add_submit")

if submitted:
    if upload is None:
        st.error("请先选择文件 (choose a file first)")
    elif authority.startswith("official") and not confirm_official:
        # Official labels rank above user material in answers; they must be a deliberate choice.
        st.error("标为“通知原文/政策解读”前，请勾选确认框 (tick the confirmation to label a document official)")
    else:
        bar, report = _progress_bar()
        try:
            result = library.add(
                upload.getvalue(),
                upload.name,
                DocumentMeta(title=title.strip() or None, authority=authority, date=date.strip()),
                progress=report,
                replaces=replaces,
            )
        except DocumentRejected as exc:
            bar.empty()
            audit("add_refused", target=upload.name[:200], reason=exc.code)
            st.error(f"未添加 Not added: {escape_markdown(str(exc))}")
        else:
            d = result.document
            audit("add", target=d.doc_id, title=d.title, file=upload.name[:200], chunks=result.chunks)
            pages = f"，{result.pages} 页" if result.pages else ""
            _flash(
                "ok",
                f"已添加 Added《{escape_markdown(d.title)}》（{d.doc_id}，{AUTHORITY_LABELS_ZH[d.authority]}{pages}，"
                f"{result.chunks} 个片段 chunks，{result.seconds:.1f} s）",
            )
            st.rerun()

# ---- list and remove ------------------------------------------------------------------------
st.subheader("文档列表 Documents", anchor=False)
rows = library.documents()
st.dataframe(
    [
        {
            "编号 ID": r.doc_id,
            "标题 Title": r.title,
            "来源 Source label": AUTHORITY_LABELS_ZH.get(r.authority, r.authority),
            "日期 Date": r.date,
            "页数 Pages": r.pages or None,
            "片段 Chunks": r.chunks,
            "类型 Origin": "上传 added" if r.removable else "系统自带 shipped",
            "状态 Status": f"已被 {r.superseded_by} 取代 superseded" if r.superseded_by else "现行 current",
            "OCR": f"{len(r.ocr_pages)} 页, ≥{min(c for _, c in r.ocr_pages):.2f}" if r.ocr_pages else "",
        }
        for r in rows
    ],
    hide_index=True,
)

removable = [r for r in rows if r.removable]
if removable:
    with st.form("remove_document"):
        choice = st.selectbox(
            "删除已上传的文档 Remove an added document",
            [r.doc_id for r in removable],
            format_func=lambda i: f"{i} · {next(r.title for r in removable if r.doc_id == i)}",
            key="remove_choice",
        )
        sure = st.checkbox("确认删除 (yes, remove it)", key="remove_confirm")
        remove = st.form_submit_button("删除并更新索引 Remove and re-index", key="remove_submit")
    if remove:
        if not sure:
            st.error("请勾选“确认删除” (tick the confirmation first)")
        else:
            bar, report = _progress_bar()
            try:
                result = library.remove(choice, progress=report)
            except DocumentRejected as exc:
                bar.empty()
                st.error(escape_markdown(str(exc)))
            else:
                audit("remove", target=result.document.doc_id, title=result.document.title)
                _flash("ok", f"已删除 Removed《{escape_markdown(result.document.title)}》（{result.document.doc_id}）")
                st.rerun()
else:
    st.caption("还没有上传的文档 (no added documents yet)")

# ---- rebuild ------------------------------------------------------------------------------
st.subheader("索引 Index", anchor=False)
status = engine.status()
st.caption(
    f"{status.documents} 份文档，{status.chunks} 个片段，构建于 {status.built_at}；模型 {escape_markdown(status.model or 'none')}"
)
if st.button("重建索引 Rebuild index", key="rebuild"):
    bar, report = _progress_bar()
    library.rebuild(progress=report)
    audit("rebuild", chunks=engine.status().chunks)
    _flash("ok", "索引已重建 The index was rebuilt")
    st.rerun()

# ---- quarantine, audit log and sign-in record --------------------------------------------
held = quarantined(engine.settings.data_dir)
if held:
    st.subheader("隔离的文档 Quarantined documents", anchor=False)
    st.caption(
        "这些已添加的文档无法建立索引，已移到数据目录的 quarantine/ 中（附原因文件）。 "
        "These added documents could not be indexed and were moved to quarantine/ with a reason file."
    )
    st.dataframe(
        [{"编号 ID": q.doc_id, "标题 Title": q.title, "原因 Reason": q.reason, "时间 When (UTC)": q.at} for q in held],
        hide_index=True,
    )

st.subheader("操作记录 Audit log", anchor=False)
with st.expander("最近 100 条管理操作 Last 100 admin actions", expanded=False):
    st.dataframe(
        [
            {
                "时间 When (UTC)": e.created_at.isoformat(timespec="seconds"),
                "账号 Who": e.actor,
                "操作 Action": e.action,
                "对象 Target": e.target,
                "详情 Detail": ", ".join(f"{k}={v}" for k, v in sorted(e.detail.items())),
            }
            for e in security().audit.entries(limit=100)
        ],
        hide_index=True,
    )
with st.expander("最近 100 次登录尝试 Last 100 sign-in attempts", expanded=False):
    st.dataframe(
        [
            {
                "时间 When (UTC)": a.created_at.isoformat(timespec="seconds"),
                "账号 Account": a.account,
                "来源地址 Address": a.address,
                "方式 Method": a.method,
                "结果 Result": "成功 ok" if a.ok else "失败 failed",
            }
            for a in security().logins.recent(100)
        ],
        hide_index=True,
    )
