"""corpus/: the three clean documents, regenerated reproducibly from the published page."""

from __future__ import annotations

import re
import unicodedata

import pytest

from retrieval.documents import COMMENTARY, OFFICIAL_INTERPRETATION, OFFICIAL_NOTICE, CorpusDir
from retrieval.engine import REPO_ROOT
from retrieval.seed_import import clean_lines, documents_from_seed, find_seed, is_noise
from retrieval.text import fullwidth_punctuation, match_key

from .conftest import SEED_DIR


@pytest.fixture(scope="module")
def committed():
    return {d.doc_id: d for d in CorpusDir(REPO_ROOT / "corpus").load()}


def test_import_seed_reproduces_committed_corpus(tmp_path, committed):
    from retrieval.cli import main

    assert main(["import-seed", str(SEED_DIR), "--out", str(tmp_path)]) == 0
    regenerated = {d.doc_id: d for d in CorpusDir(tmp_path).load()}
    assert regenerated == committed
    for name in ["manifest.json", "notice.txt", "interpretation.txt", "commentary.txt"]:
        assert (tmp_path / name).read_bytes() == (REPO_ROOT / "corpus" / name).read_bytes()


def test_three_documents_with_metadata(committed):
    assert set(committed) == {"notice", "interpretation", "commentary"}
    notice = committed["notice"]
    assert notice.authority == OFFICIAL_NOTICE
    assert notice.number == "人社部发〔2025〕27号"
    assert notice.date == "2025-05-16"
    assert "全国工商联" in notice.issuer
    assert committed["interpretation"].authority == OFFICIAL_INTERPRETATION
    assert committed["commentary"].authority == COMMENTARY
    # The commentary is the only source of the 39 cities; it stays, labelled as commentary.
    assert "39个试点城市" in committed["commentary"].text
    assert notice.text.startswith("关于开展人力资源服务业与制造业融合发展试点工作的通知")
    assert "问10" in committed["interpretation"].text


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？；])", match_key(text)) if s]


def test_every_non_noise_sentence_of_the_seed_is_kept(committed):
    seed = find_seed(SEED_DIR).read_text(encoding="utf-8")
    corpus = match_key("".join(d.text for d in committed.values()))
    kept = 0
    for line in seed.splitlines():
        if not line.strip() or is_noise(line.strip()):
            continue
        for sentence in _sentences(line):
            assert sentence in corpus, sentence
            kept += 1
    assert kept > 120


def test_page_noise_is_dropped(committed):
    everything = "".join(d.text for d in committed.values())
    for noise in [".jpg", "下一篇", "关注我们", "网权声明", "工伤30问"]:
        assert noise not in everything


def test_punctuation_is_full_width_inside_chinese_without_changing_words(committed):
    notice = committed["notice"].text
    assert "（人社部发〔2024〕86号）" in notice
    assert "工商联：" in notice
    assert "7.4万家，从业人员109万人" in committed["interpretation"].text
    assert "2026-2027年" in committed["commentary"].text  # ranges and decimals untouched
    # Only punctuation changed: the NFKC forms are identical to the seed's.
    seed_lines = [l for l in clean_lines(find_seed(SEED_DIR).read_text(encoding="utf-8"))]
    assert all(unicodedata.normalize("NFKC", l) == unicodedata.normalize("NFKC", fullwidth_punctuation(l)) for l in seed_lines)


def test_fullwidth_punctuation_leaves_ascii_text_alone():
    assert fullwidth_punctuation("Hello, world (v1.2): ok") == "Hello, world (v1.2): ok"
    assert fullwidth_punctuation("试点(一)开展,完成") == "试点（一）开展，完成"


def test_seed_documents_match_importer(committed):
    assert [d.doc_id for d in documents_from_seed(SEED_DIR)] == ["notice", "interpretation", "commentary"]
