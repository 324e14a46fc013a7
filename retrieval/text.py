"""Text normalisation shared by import, chunking, querying and scoring."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# CJK ideographs, CJK punctuation, full-width forms and the curly quotes that
# Chinese text uses: an ASCII mark touching one of these is Chinese punctuation
# typed on the wrong keyboard.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u2018-\u201d\u2014\u2026《》〔〕"
_ASCII_TO_FULL = {",": "，", ":": "：", "(": "（", ")": "）", ";": "；", "?": "？", "!": "！"}
_PUNCT_RE = re.compile(
    rf"(?<=[{_CJK}])[,:;?!()]|[,:;?!()](?=[{_CJK}])"
)
_WS_RE = re.compile(r"\s+")
_SENTENCE_END_RE = re.compile(r"(?<=[。！？；!?;])")


def fullwidth_punctuation(text: str) -> str:
    """Turn ASCII , : ; ? ! ( ) that sit inside Chinese text into their full-width forms.

    Only punctuation changes: letters, digits and words are left exactly as they are,
    so a date like 2026-2027 or a number like 7.4 is never touched.
    """
    text = _PUNCT_RE.sub(lambda m: _ASCII_TO_FULL[m.group(0)], text)
    # A full-width opening bracket must be closed the same way, even where the
    # closing mark follows a digit or Latin letter.
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "（":
            depth += 1
        elif ch == "）":
            depth = max(0, depth - 1)
        elif ch == ")" and depth:
            ch = "）"
            depth -= 1
        out.append(ch)
    return "".join(out)


def match_key(text: str) -> str:
    """The form used to compare evidence and citations: NFKC, no whitespace."""
    return _WS_RE.sub("", unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC); other scripts pass through."""
    return _t2s().convert(text)


def normalize_query(text: str) -> str:
    """NFKC (full/half width, Kangxi radicals), simplified script, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    return _WS_RE.sub(" ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Split after Chinese (and ASCII) sentence-final marks; keeps the marks."""
    return [s for s in _SENTENCE_END_RE.split(text) if s.strip()]


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
