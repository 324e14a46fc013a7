"""The CJK font that downloadable PDFs embed (Noto Sans CJK, Debian's fonts-noto-cjk)."""

from __future__ import annotations

from pathlib import Path

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_FONT_INDEX = 2  # Simplified Chinese face inside the collection
CJK_FAMILY = "cjk"


def add_cjk_font(pdf) -> str:
    """Register the CJK face on an fpdf2 document; returns the family name to set_font with."""
    if not CJK_FONT.exists():
        raise FileNotFoundError(f"{CJK_FONT} is missing: install Debian's fonts-noto-cjk")
    pdf.add_font(CJK_FAMILY, "", str(CJK_FONT), collection_font_number=CJK_FONT_INDEX)
    return CJK_FAMILY
