"""Split the users' question sets once into a tuning half and a held-out half (stratified by kind).

Run once, before any tuning; the held-out half is then frozen (its SHA-256 is in README).
    python eval/split_users.py eval/users_a.jsonl eval/users_b.jsonl
"""

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

rows = [json.loads(line) for path in sys.argv[1:] for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
by_kind = defaultdict(list)
for row in rows:
    by_kind[row["kind"]].append(row)
rng = random.Random(20261126)
tune, heldout = [], []
for kind in sorted(by_kind):
    group = by_kind[kind]
    rng.shuffle(group)
    half = len(group) // 2
    tune += group[:half]
    heldout += group[half:]
out = Path(__file__).parent
for name, part in (("tune.jsonl", tune), ("heldout.jsonl", heldout)):
    part.sort(key=lambda r: r["id"])
    (out / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
    print(name, len(part))
