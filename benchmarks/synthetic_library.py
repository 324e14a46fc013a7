"""A synthetic policy library for scale studies: deterministic text and honestly derived vectors.

The library is generated (seeded) from the shipped corpus's own sentences: each
synthetic chunk recombines 2–4 of them, with the numbers, years and place names varied,
under a heading naming a synthetic city's notice.

Embedding 100k chunks and their sentences would take hours, so vectors are derived:
every distinct corpus sentence is embedded for real, once; a synthetic chunk's vector
is the normalised mean of its sentences' real vectors plus a small seeded Gaussian
perturbation (for its varied numbers and places), and each of its sentence vectors is
the real sentence vector, perturbed the same way.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._common import RESULTS_DIR

# Base vectors are a cache, not a result: kept beside the results but not committed.
CACHE_DIR = RESULTS_DIR / "cache"

SEED = 20250627
NOISE = 0.35  # perturbation norm relative to a unit vector (cosine to the base ≈ 0.94)
PLACES = (
    "北京 天津 上海 重庆 石家庄 太原 沈阳 长春 哈尔滨 南京 杭州 合肥 福州 南昌 济南 郑州 武汉 长沙 广州 南宁 海口 成都 "
    "贵阳 昆明 拉萨 西安 兰州 西宁 银川 乌鲁木齐 呼和浩特 苏州 无锡 宁波 温州 青岛 烟台 厦门 泉州 东莞 佛山 深圳 珠海 "
    "大连 洛阳 襄阳 宜昌 株洲 柳州 绵阳 遵义 曲靖 宝鸡 天水 包头 鄂尔多斯 唐山 保定 徐州 常州 南通 嘉兴 绍兴 芜湖"
).split()
PROVINCES = "河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海".split()
TOPICS = ("人力资源服务业", "制造业人才支撑", "就业服务", "职业技能培训", "人才引进", "劳务协作", "产业园区建设", "招聘用工")
_SENT_SPLIT = re.compile(r"(?<=[。；！？])")
_NUM = re.compile(r"\d+")
_PLACE = re.compile("|".join(sorted(PLACES + PROVINCES, key=len, reverse=True)))


def corpus_sentences() -> list[str]:
    from retrieval.engine import Settings, load_documents

    docs = load_documents(Settings.from_env(data_dir=Path(tempfile.mkdtemp()) / "data"))
    seen, out = set(), []
    for d in docs:
        for para in d.text.splitlines():
            for s in _SENT_SPLIT.split(para.strip()):
                s = s.strip()
                if len(s) >= 12 and s not in seen:
                    seen.add(s)
                    out.append(s)
    return out


def synthetic_library(sentences: list[str], n: int, seed: int = SEED):
    """(texts, headings, sentence ids per chunk, variant id per chunk): deterministic for (n, seed)."""
    rng = np.random.default_rng(seed)
    texts, headings, members = [], [], []
    for i in range(n):
        k = int(rng.integers(2, 5))
        ids = [int(x) for x in rng.choice(len(sentences), size=k, replace=False)]
        place = PLACES[int(rng.integers(len(PLACES)))]
        province = PROVINCES[int(rng.integers(len(PROVINCES)))]
        year = 2020 + int(rng.integers(0, 10))
        bump = int(rng.integers(1, 50))

        def vary(s: str) -> str:
            s = _NUM.sub(lambda m: str(int(m.group()) + bump) if len(m.group()) < 4 else str(year), s)
            return _PLACE.sub(lambda m: place if m.group() in PLACES else province, s)

        topic = TOPICS[i % len(TOPICS)]
        headings.append(f"{place}市关于推进{topic}的通知（{year}）第{i % 97 + 1}条")
        texts.append("".join(vary(sentences[j]) for j in ids))
        members.append(ids)
    return texts, headings, members


def derived_vectors(base: np.ndarray, members: list[list[int]], seed: int = SEED):
    """Chunk vectors (mean of members + noise) and sentence vectors (member + noise), unit length."""
    rng = np.random.default_rng(seed + 1)
    dim = base.shape[1]
    n = len(members)
    chunk = np.empty((n, dim), np.float32)
    rows = np.fromiter((i for i, m in enumerate(members) for _ in m), dtype=np.int64)
    flat_ids = np.fromiter((j for m in members for j in m), dtype=np.int64)
    step = 20_000
    for a in range(0, n, step):
        b = min(a + step, n)
        block = np.zeros((b - a, dim), np.float32)
        for i in range(a, b):
            block[i - a] = base[members[i]].mean(axis=0)
        chunk[a:b] = _perturb(block, rng)
    sent = np.empty((len(flat_ids), dim), np.float32)
    for a in range(0, len(flat_ids), step * 3):
        b = min(a + step * 3, len(flat_ids))
        sent[a:b] = _perturb(base[flat_ids[a:b]], rng)
    return chunk, sent, rows


def _perturb(block: np.ndarray, rng) -> np.ndarray:
    block = block / np.linalg.norm(block, axis=1, keepdims=True)
    noise = rng.standard_normal(block.shape).astype(np.float32)
    noise *= NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
    out = block + noise
    return np.ascontiguousarray(out / np.linalg.norm(out, axis=1, keepdims=True), dtype=np.float32)


def base_vectors(sentences: list[str], embedder) -> tuple[np.ndarray, float]:
    key = hashlib.blake2b(("\n".join(sentences) + embedder.model_id).encode(), digest_size=8).hexdigest()
    cache = CACHE_DIR / f"scale_base_{key}.npy"
    if cache.exists():
        return np.load(cache), float("nan")
    t = time.perf_counter()
    vecs = embedder.embed_passages(sentences)
    seconds = time.perf_counter() - t
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.save(cache, vecs)
    return vecs, len(sentences) / seconds
