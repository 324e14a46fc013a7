"""How much one document may hold, so that no upload can exhaust memory or stall indexing.

An upload limit in bytes alone is not enough: a 1 MB .docx can expand to gigabytes, an
8 MB PDF can hold 50,000 pages, and a 19 MB line of text would become one chunk of
millions of characters. These limits are checked before (expanded size, page count) and
after (characters, chunks) a file is read; the shipped documents are far below all of them
(the largest has about 10,000 characters and 20 chunks).

Each can be changed by an environment variable, read when it is used.
"""

from __future__ import annotations

import os

ENV_MAX_PAGES = "POLICY_QA_MAX_PAGES"
ENV_MAX_CHARS = "POLICY_QA_MAX_DOC_CHARS"
ENV_MAX_CHUNKS = "POLICY_QA_MAX_CHUNKS"
ENV_MAX_EXPANDED_MB = "POLICY_QA_MAX_EXPANDED_MB"

DEFAULT_MAX_PAGES = 2000
DEFAULT_MAX_CHARS = 2_000_000
DEFAULT_MAX_CHUNKS = 5000
# Uncompressed size of all parts of a .docx (a zip): text, styles and images together.
DEFAULT_MAX_EXPANDED_MB = 64


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def max_pages() -> int:
    return int(_env_number(ENV_MAX_PAGES, DEFAULT_MAX_PAGES))


def max_doc_chars() -> int:
    return int(_env_number(ENV_MAX_CHARS, DEFAULT_MAX_CHARS))


def max_chunks() -> int:
    return int(_env_number(ENV_MAX_CHUNKS, DEFAULT_MAX_CHUNKS))


def max_expanded_bytes() -> int:
    return int(_env_number(ENV_MAX_EXPANDED_MB, DEFAULT_MAX_EXPANDED_MB) * 1024 * 1024)


__all__ = ["max_chunks", "max_doc_chars", "max_expanded_bytes", "max_pages"]
