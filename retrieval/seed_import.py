"""Turn the scraped policy page into the three clean documents of corpus/.

The page holds, in order: the media commentary (导读), the notice, the ten-question
interpretation and the website footer. Each part starts at a known heading; the
footer is recognised line by line as page furniture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .documents import COMMENTARY, OFFICIAL_INTERPRETATION, OFFICIAL_NOTICE, Document
from .text import fullwidth_punctuation

NOTICE_TITLE = "关于开展人力资源服务业与制造业融合发展试点工作的通知"
INTERPRETATION_TITLE = "人力资源服务业与制造业融合发展试点工作政策解读"
ISSUERS = "人力资源社会保障部、工业和信息化部、商务部、全国工商联"

# Website furniture: image captions, navigation, follow/share widgets, footer links.
NOISE_PATTERNS = [
    re.compile(r"\.(jpe?g|png|gif|webp)$", re.I),
    re.compile(r"^(上一篇|下一篇)[:：]"),
    re.compile(r"^(关注我们|分享到|扫一扫|打印本页|关闭窗口|【?字体[:：])"),
    re.compile(r"^(网权声明|网站简介|网站纠错).*"),
]


class SeedFormatError(ValueError):
    """The seed page does not have the three parts this importer expects."""


def is_noise(line: str) -> bool:
    return any(p.search(line) for p in NOISE_PATTERNS)


def clean_lines(raw: str) -> list[str]:
    """Non-empty, stripped, non-noise lines with Chinese punctuation restored."""
    lines = []
    for line in raw.splitlines():
        line = line.strip()
        if line and not is_noise(line):
            lines.append(fullwidth_punctuation(line))
    return lines


@dataclass(frozen=True)
class SeedParts:
    commentary: list[str]
    notice: list[str]
    interpretation: list[str]


def split_parts(lines: list[str]) -> SeedParts:
    try:
        notice_at = lines.index(NOTICE_TITLE)
        interp_at = next(
            i for i, line in enumerate(lines) if i > notice_at and line == INTERPRETATION_TITLE
        )
    except (ValueError, StopIteration) as exc:
        raise SeedFormatError(
            f"seed page must contain the headings {NOTICE_TITLE!r} and {INTERPRETATION_TITLE!r}"
        ) from exc
    commentary = lines[:notice_at]
    # The page title repeats the interpretation's heading; the commentary starts at 导读.
    if commentary and commentary[0] == INTERPRETATION_TITLE:
        commentary = commentary[1:]
    return SeedParts(commentary, lines[notice_at:interp_at], lines[interp_at:])


def documents_from_seed(path: str | Path) -> list[Document]:
    path = find_seed(path)
    raw = path.read_text(encoding="utf-8")
    parts = split_parts(clean_lines(raw))
    source = path.name
    number = "人社部发〔2025〕27号"
    return [
        Document(
            doc_id="notice",
            title=f"《{NOTICE_TITLE}》",
            text="\n".join(parts.notice) + "\n",
            authority=OFFICIAL_NOTICE,
            issuer=ISSUERS,
            number=number,
            date="2025-05-16",
            source=source,
        ),
        Document(
            doc_id="interpretation",
            title=f"{INTERPRETATION_TITLE}（问1–问10）",
            text="\n".join(parts.interpretation) + "\n",
            authority=OFFICIAL_INTERPRETATION,
            # The page says neither who issued the interpretation nor under what number (it only
            # names the notice it interprets), so neither is claimed here.
            issuer="",
            number="",
            date="",
            source=source,
        ),
        Document(
            doc_id="commentary",
            title="导读：以“人产融合”激活制造强国新动能",
            text="\n".join(parts.commentary) + "\n",
            authority=COMMENTARY,
            issuer="媒体评论（非官方文件）",
            source=source,
        ),
    ]


def find_seed(seed: str | Path) -> Path:
    """A seed argument may name the page itself or the folder that holds it."""
    seed = Path(seed)
    if seed.is_dir():
        pages = sorted(p for p in seed.glob("*.txt"))
        if len(pages) != 1:
            raise SeedFormatError(f"{seed} must hold exactly one .txt page, found {len(pages)}")
        return pages[0]
    if not seed.exists():
        raise FileNotFoundError(seed)
    return seed
