"""How much a learned re-ranker could add on top of the fused ranking, measured on the tuning sets.

    python -m benchmarks.rerank_ceiling            # writes benchmarks/results/rerank_ceiling.json

For every answerable question of the tuning sets, the first `--depth` clauses search returns
are described by every signal the engine has (fused score and its gap to the best, chunk and
best-sentence similarity, BM25, the question's idf-weighted words in the clause, in its best
sentence and in its heading, authority, length, rank, and the English question's signals on
their own). Two re-rankers are fitted on all sets but one and scored on the one left out:
a linear listwise model (softmax over each question's candidates) and gradient-boosted trees.
If neither beats the fused ranking's first citation, the signals hold no more than the
ranking already uses: a better first citation needs a better model, not a new weighting.

Only tuning sets are read; the held-out sets stay unseen.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from sklearn.ensemble import HistGradientBoostingClassifier

from benchmarks._common import DEV_SET, REPO_ROOT, machine_info, write_result
from benchmarks._common import table as render
from retrieval.engine import Engine, Settings
from retrieval.evaluation import load_dataset, match_key
from retrieval.search import SearchResult

TUNING = ("calibration", "tune", "english_tune", "english_tune2", "colloquial_tune", "zh_tune", "mixed_tune",
          "generic_tune", "task_tune")
AUTHORITIES = ("official notice", "official interpretation", "commentary", "user-added")


@dataclass
class Question:
    dataset: str
    english: bool
    features: np.ndarray  # candidates × features
    relevant: np.ndarray  # 1.0 where the candidate holds the evidence


def _share(units: list[tuple[tuple[str, ...], float]], text: str) -> float:
    total = sum(w for _, w in units) or 1.0
    return sum(w for forms, w in units if any(f in text for f in forms)) / total


def features(engine: Engine, result: SearchResult) -> np.ndarray:
    index = engine.index
    query, qvec = result.query, result.query_vector
    grouped = {t for g in query.token_groups for t in g}
    # One unit per word of the question; an English word's translations are one unit.
    units = [((t,), index.lexical.idf(t)) for t in dict.fromkeys(query.tokens) if t not in grouped]
    units += [(g, float(np.mean([index.lexical.idf(t) for t in g]))) for g in query.token_groups if g]
    hits = result.hits
    best_fused = hits[0].score
    best_lex = max(h.lexical_score for h in hits) or 1.0
    best_dense = max(h.dense_score or 0.0 for h in hits)
    chunk_sim = index.dense.vectors([h.row for h in hits]) @ qvec
    en = 1.0 if query.english else 0.0
    rows = []
    for i, h in enumerate(hits):
        c = h.chunk
        spans = index.sentence_ids.get(h.row, {})
        if spans:
            sentence_sim = float((index.sentence_dense.vectors(list(spans.values())) @ qvec).max())
            sentence_share = max(_share(units, c.text[a - c.start : b - c.start]) for a, b in spans)
        else:
            sentence_sim, sentence_share = float(chunk_sim[i]), _share(units, c.text)
        lex = h.lexical_score / best_lex
        rows.append([
            h.score, h.score - best_fused, h.dense_score or 0.0, (h.dense_score or 0.0) - best_dense,
            float(chunk_sim[i]), sentence_sim, lex, _share(units, c.search_text), sentence_share,
            _share(units, c.context), *(float(c.authority == a) for a in AUTHORITIES),
            math.log(len(c.text) + 1), 1.0 / (i + 1),
            en * float(chunk_sim[i]), en * sentence_sim, en * lex, en * sentence_share,
        ])
    return np.asarray(rows, dtype=float)


def collect(engine: Engine, sets: dict[str, str], depth: int) -> list[Question]:
    out = []
    for name, path in sets.items():
        for item in load_dataset(path):
            if not item.answerable or not item.evidence:
                continue
            keys = [match_key(e) for e in item.evidence]
            result = engine.search(item.q, top_k=depth)
            relevant = np.array([any(k in match_key(h.chunk.text) for k in keys) for h in result.hits], dtype=float)
            out.append(Question(name, result.query.english, features(engine, result), relevant))
    return out


def fit_listwise(train: list[Question], l2: float = 1.0):
    """Linear scores, softmax over each question's candidates, maximising the relevant ones' share."""
    stacked = np.vstack([q.features for q in train])
    mu, sd = stacked.mean(0), stacked.std(0) + 1e-9
    data = [((q.features - mu) / sd, q.relevant) for q in train if q.relevant.any()]

    def loss(w):
        value, grad = l2 * w @ w, 2 * l2 * w
        for x, y in data:
            s = x @ w
            p = np.exp(s - s.max())
            z, zy = p.sum(), (p * y).sum()
            value -= np.log(zy / z)
            grad -= (p * y / zy - p / z) @ x
        return value, grad

    w = minimize(loss, np.zeros(stacked.shape[1]), jac=True, method="L-BFGS-B").x
    return lambda x: ((x - mu) / sd) @ w


def fit_trees(train: list[Question]):
    model = HistGradientBoostingClassifier(max_depth=3, max_iter=150, learning_rate=0.05, l2_regularization=1.0,
                                           random_state=0)
    model.fit(np.vstack([q.features for q in train]), np.concatenate([q.relevant for q in train]))
    return lambda x: model.predict_proba(x)[:, 1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depth", type=int, default=30, help="candidates re-ranked per question")
    args = ap.parse_args(argv)
    sets = {"dev": str(DEV_SET)} | {s: str(REPO_ROOT / "eval" / f"{s}.jsonl") for s in TUNING}
    engine = Engine.open(Settings.from_env())
    if not engine.dense:
        print("the re-ranker's signals need the dense index", file=sys.stderr)
        return 1
    questions = collect(engine, sets, args.depth)
    ranks = [int(np.argmax(q.relevant)) + 1 if q.relevant.any() else None for q in questions]
    headroom = {
        "first": sum(r == 1 for r in ranks),
        "2-5": sum(r is not None and 2 <= r <= 5 for r in ranks),
        f"6-{args.depth}": sum(r is not None and r > 5 for r in ranks),
        "not found": sum(r is None for r in ranks),
    }
    table = {}
    for name in sets:
        train = [q for q in questions if q.dataset != name]
        test = [q for q in questions if q.dataset == name]
        scorers = {"listwise": fit_listwise(train), "trees": fit_trees(train)}
        row = {"n": len(test), "fused": int(sum(q.relevant[0] for q in test))}
        for label, score in scorers.items():
            row[label] = int(sum(q.relevant[int(np.argmax(score(q.features)))] for q in test))
        row["english_n"] = sum(q.english for q in test)
        row["english_fused"] = int(sum(q.relevant[0] for q in test if q.english))
        row["english_listwise"] = int(sum(q.relevant[int(np.argmax(scorers["listwise"](q.features)))] for q in test if q.english))
        table[name] = row
    total = {k: sum(r[k] for r in table.values()) for k in next(iter(table.values()))}
    cols = ("n", "fused", "listwise", "trees", "english_n", "english_fused", "english_listwise")
    print(f"where the evidence ranks (answerable tuning questions, first {args.depth}): {headroom}")
    print(render(("left out", *cols), [(name, *(row[c] for c in cols)) for name, row in (table | {"total": total}).items()],
                 "first citation holds the evidence: fused ranking vs re-rankers fitted on the other sets"))
    write_result("rerank_ceiling", {"depth": args.depth, "headroom": headroom, "left_out": table, "total": total,
                                    "model": engine.status().model, "machine": machine_info()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
