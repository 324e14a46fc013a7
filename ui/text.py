"""Safe text helpers: every string from a user or a document is escaped before it reaches HTML or Markdown."""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>:$~=])")


# GFM's autolink literals (http://…, www.…, a@b.c) are found in the text after escapes are
# resolved, so a backslash does not stop them (checked in Chromium: an escaped
# `http\://evil\.example/login` is still a link). A word joiner (U+2060, invisible) inside
# the marker does.
_AUTOLINK_RE = re.compile(r"(?i)(https?|ftp|mailto|www)(\\?[:.])|(@)")


def _defuse_autolinks(text: str) -> str:
    return _AUTOLINK_RE.sub(lambda m: f"{m.group(1)}\u2060{m.group(2)}" if m.group(1) else "@\u2060", text)


def escape_markdown(text: str) -> str:
    """Text that Streamlit's Markdown shows literally (no links, autolinks, images, directives or LaTeX)."""
    return _defuse_autolinks(_MD_SPECIAL.sub(r"\\\1", text)).replace("\n", "  \n")


def merge_spans(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Clip spans to [0, length] and merge overlaps."""
    clipped = sorted((max(0, s), min(length, e)) for s, e in spans if e > 0 and s < length and e > s)
    merged: list[tuple[int, int]] = []
    for s, e in clipped:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def highlight_html(text: str, spans: list[tuple[int, int]], mark_class: str = "pqa-mark") -> str:
    """HTML of `text` (escaped) with the given character spans wrapped in <mark>."""
    out, at = [], 0
    for s, e in merge_spans(spans, len(text)):
        out.append(html.escape(text[at:s]))
        out.append(f'<mark class="{mark_class}">{html.escape(text[s:e])}</mark>')
        at = e
    out.append(html.escape(text[at:]))
    return "".join(out).replace("\n", "<br>")


def find_all(text: str, needle: str) -> list[tuple[int, int]]:
    """Every case-insensitive occurrence of needle in text."""
    if not needle:
        return []
    lowered, n = text.lower(), needle.lower()
    spans, at = [], lowered.find(n)
    while at >= 0:
        spans.append((at, at + len(n)))
        at = lowered.find(n, at + len(n))
    return spans


def suggestions_heading(reason: str) -> str:
    """What the official questions offered under a decline are: near the question when its topic is
    the documents', otherwise only examples of what the documents do answer (not "related")."""
    if reason == "detail-missing":
        return "相近的官方问答 Nearest official questions"
    return "文件能回答的问题，例如 · Questions these documents do answer, for example"
