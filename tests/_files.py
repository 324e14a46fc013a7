"""Real files for the document tests: Chinese PDFs (Chromium or reportlab), broken ones, text in GBK."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

PLAN_PARAGRAPHS = [
    "一、工作目标",
    "到2026年底，全市培育专业化人力资源服务机构50家，建设融合发展产业园区2个，推动人力资源服务行业营业收入年均增长10%以上，带动制造业企业引进各类人才一万人。",
    "二、主要任务",
    "（一）建立供需对接机制。每季度组织一次制造业企业与人力资源服务机构的对接活动，发布重点产业紧缺人才目录。",
    "<pagebreak>",
    "（二）加强人才培养。支持人力资源服务机构与职业院校合作开展订单式培养，年培训技能人才三千人次。",
    "三、保障措施",
    "市人社局牵头负责试点工作的统筹协调，工作进展情况每半年报送一次。",
]
PLAN_TITLE = "某市人力资源服务业与制造业融合发展试点实施方案"


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def chinese_pdf_chromium(tmp: Path, title: str = PLAN_TITLE, paragraphs=PLAN_PARAGRAPHS) -> bytes:
    """Print HTML with a CJK font, as city staff would "save as PDF" from a browser.

    Chromium embeds Noto CJK subsets whose ToUnicode maps many glyphs to Kangxi radicals
    (⼈ for 人), which is the case the reader must normalise.
    """
    body = "".join(
        '<div style="page-break-before:always"></div>' if p == "<pagebreak>" else f"<p>{p}</p>" for p in paragraphs
    )
    html = tmp / "doc.html"
    html.write_text(
        '<html><head><meta charset="utf-8"><style>body{font-family:"Noto Sans CJK SC";font-size:14pt;width:160mm}'
        f"</style></head><body><h2>{title}</h2>{body}</body></html>",
        encoding="utf-8",
    )
    out = tmp / "doc.pdf"
    subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", f"--print-to-pdf={out}", str(html)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out.read_bytes()


def chinese_pdf_reportlab(pages: list[list[str]]) -> bytes:
    """A PDF whose pages hold the given lines, in the standard (non-embedded) Chinese CID font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for lines in pages:
        c.setFont("STSong-Light", 12)
        y = 780
        for line in lines:
            c.drawString(60, y, line)
            y -= 20
        c.showPage()
    c.save()
    return buf.getvalue()


def chinese_pdf(tmp: Path) -> bytes:
    if chromium():
        return chinese_pdf_chromium(tmp)
    # No browser: draw the text with the code points a browser-made PDF would carry.
    kangxi = str.maketrans("人一工目行力", "⼈⼀⼯⽬⾏⼒")
    pages, current = [], [PLAN_TITLE.translate(kangxi)]
    for p in PLAN_PARAGRAPHS:
        if p == "<pagebreak>":
            pages.append(current)
            current = []
        else:
            current += [p[i : i + 36].translate(kangxi) for i in range(0, len(p), 36)]
    pages.append(current)
    return chinese_pdf_reportlab(pages)


def scanned_pdf() -> bytes:
    """Pages with only graphics, like a scan: no text layer at all."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for _ in range(2):
        c.rect(60, 400, 400, 300, fill=1)
        c.line(60, 380, 460, 380)
        c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf(user_password: str = "s3cret", owner_password: str = "owner") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(chinese_pdf_reportlab([["一、加密文件", "这份文件设置了打开密码。"]]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


GBK_TEXT = "一、总体要求\n某区将在2025年9月30日前完成人力资源服务产业园挂牌，园区入驻机构不少于二十家。\n二、工作措施\n（一）加强统筹。区人社局每月召开一次推进会。\n"


def copy_index(src, dst) -> None:
    """Give `dst` (Settings) the index already built for `src`: same corpus, so it loads as is.

    A full build of the corpus takes tens of seconds with the default model; tests that
    change documents start from a copy instead and pay only for what they add.
    """
    shutil.copytree(src.index_dir, dst.index_dir, ignore=shutil.ignore_patterns(".lock"))


def indexed_copy(src, root):
    """Settings over `src`'s corpus and model with their own data folder under `root`, and a copy of its index."""
    from retrieval.engine import Settings

    settings = Settings(corpus_dir=src.corpus_dir, data_dir=root / "data", index_dir=root / "index", model=src.model)
    copy_index(src, settings)
    return settings
