"""Scanned PDFs made on the spot: Chinese policy text drawn with Noto CJK into images, saved as
image-only PDF pages (no text layer), one of them slightly rotated and one low-contrast."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

FONT = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
# A4 at 144 dpi, the resolution the OCR renders pages at.
PAGE_PX = (1191, 1684)
FONT_PX = 30
LINE_CHARS = 31

SCAN_PAGES: list[list[str]] = [
    [
        "某市人力资源服务业与制造业融合发展试点工作实施细则",
        "某人社发〔2025〕45号",
        "一、总体要求",
        "（一）工作目标。到2027年12月底前，全市培育面向制造业的人力资源服务机构30家，建成产业园区服务站5个。",
        "（二）职责分工。市人力资源社会保障局负责统筹协调，市工业和信息化局负责梳理重点企业用工需求。",
        "二、申报程序",
        "（一）申报时间。符合条件的机构于2025年8月15日前向区人力资源社会保障部门提交申报材料。",
    ],
    [
        "第一条 为规范试点资金管理，提高资金使用效益，制定本细则。",
        "第二条 试点资金用于人力资源服务机构开展制造业招聘、培训和管理咨询服务的奖补。",
        "第三条 单个机构每年获得的奖补资金不超过30万元，由市财政局于每年11月底前拨付。",
        "第四条 本细则自2025年10月1日起施行，有效期为三年。",
    ],
    [
        "三、监督管理",
        "（一）绩效评价。市人力资源社会保障局每年12月组织开展试点绩效评价，评价结果向社会公开。",
        "（二）信用管理。弄虚作假骗取奖补资金的机构，追回已拨付资金，三年内不得再次申报。",
    ],
]
ROTATED_PAGE = 2  # 1-based
LOW_CONTRAST_PAGE = 3


def page_image(lines: list[str], *, rotate: float = 0.0, ink: int = 0, paper: int = 255):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), FONT_PX)
    image = Image.new("L", PAGE_PX, paper)
    draw = ImageDraw.Draw(image)
    y = 140
    for line in lines:
        for piece in textwrap.wrap(line, LINE_CHARS) or [""]:
            draw.text((110, y), piece, font=font, fill=ink)
            y += int(FONT_PX * 1.8)
        y += FONT_PX // 2
    if rotate:
        image = image.rotate(rotate, resample=Image.BICUBIC, expand=False, fillcolor=paper)
    return image


def scanned_pdf(pages: list[list[str]] = SCAN_PAGES) -> bytes:
    """An image-only PDF of `pages`; page 2 turned by 1.5°, page 3 grey on light grey."""
    images = []
    for n, lines in enumerate(pages, start=1):
        if n == ROTATED_PAGE:
            images.append(page_image(lines, rotate=1.5))
        elif n == LOW_CONTRAST_PAGE:
            images.append(page_image(lines, ink=140, paper=215))
        else:
            images.append(page_image(lines))
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=144.0)
    return buf.getvalue()


def mixed_pdf(tmp_text_pdf: bytes) -> bytes:
    """A PDF with text-layer pages followed by the scanned pages."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in (tmp_text_pdf, scanned_pdf()):
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
