"""Benchmarks of intelligent intake, written to bench/nlp.json.

    python bench/nlp_bench.py [--scale 1.0] [--seed 7] [--hard 3000] [--out bench/nlp.json]

- simulator year (jinchang pack): train on the first ten months' closed orders, test on the last two:
  category / request type / department top-1 and top-3, training time;
- suggestion latency for one order (place + three heads + explanations) and batch throughput;
- incident grouping: pairwise precision / recall against the simulator's ground truth;
- the hard synthetic 7-class set (bench/hard_messages.py): ours vs. char-TF-IDF + LinearSVC, same folds.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform as host
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from hard_messages import generate as hard_generate  # noqa: E402

from hotline.nlp.duplicates import GroupingRules, OrderText, cluster, pairwise_scores  # noqa: E402
from hotline.nlp.evaluation import cross_validate  # noqa: E402
from hotline.nlp.places import Gazetteer  # noqa: E402
from hotline.nlp.registry import ModelRegistry  # noqa: E402
from hotline.nlp.text import add_words  # noqa: E402
from hotline.nlp.training import columns_from_table, train_columns  # noqa: E402
from hotline.reference.citypack import resolve_pack_path  # noqa: E402
from hotline.simulate.generate import decoded, generate  # noqa: E402


def _gazetteer(pack: Path) -> Gazetteer:
    with open(pack / "regions.csv", encoding="utf-8") as handle:
        rows = [dict(r, aliases=[a for a in r["aliases"].split("|") if a]) for r in csv.DictReader(handle)]
    return Gazetteer(rows)


def _topk(head, prob, truth) -> dict:
    index = {c: i for i, c in enumerate(head.classes)}
    truth_idx = np.array([index.get(t, -1) for t in truth])
    top = np.argsort(-prob, axis=1)[:, :3]
    return {"n": int(len(truth)), "top1": round(float((top[:, 0] == truth_idx).mean()), 4),
            "top3": round(float((top == truth_idx[:, None]).any(axis=1).mean()), 4)}


def simulator_part(scale: float, seed: int, out: dict) -> None:
    """Train/test on the simulated year; latency, throughput and grouping on the same data."""
    pack = resolve_pack_path("jinchang")
    started = time.perf_counter()
    data = generate(pack, date(2024, 1, 1), 366, seed, scale)
    orders = decoded(data.work_orders).to_pandas()
    orders["created_at"] = pd.to_datetime(orders["created_at"])
    out["simulator"] = {"scale": scale, "seed": seed, "orders": len(orders),
                        "seconds_generate": round(time.perf_counter() - started, 1)}
    with open(pack / "categories.csv", encoding="utf-8") as handle:
        parents = {r["code"]: r["parent"] or r["code"] for r in csv.DictReader(handle)}
    cut = pd.Timestamp("2024-11-01")
    train, test = orders[orders.created_at < cut], orders[(orders.created_at >= cut) & (orders.status == "closed")]
    gazetteer = _gazetteer(pack)
    add_words(gazetteer.words())
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        summary = train_columns(columns_from_table(train), parents, folder)
        out["training"] = {"orders": summary["orders"], "seconds": round(time.perf_counter() - started, 1),
                           "seconds_features": summary["seconds_features"], "heads": summary["heads"]}
        bundle = ModelRegistry(folder).current()
    columns = columns_from_table(test)
    matrix = bundle.features.transform(columns["text"], columns["places"])
    accuracy = {}
    for name, head in bundle.heads.items():
        truth = np.array(columns[name], dtype=object)
        known = np.array([t is not None for t in truth])
        accuracy[name] = _topk(head, head.proba(matrix[known]), truth[known].astype(str))
    out["accuracy_last_two_months"] = accuracy

    texts = test["content"].tolist()[:3000]
    latencies = []
    for text in texts[:300]:
        began = time.perf_counter()
        place = gazetteer.find(text)
        row = bundle.features.transform([text], [place.tokens()])
        for head in bundle.heads.values():
            prob = head.proba(row)[0]
            for c in np.argsort(-prob)[:3]:
                head.explain(row, int(c), bundle.features.names, bundle.features.n_word_features)
        latencies.append(1000 * (time.perf_counter() - began))
    began = time.perf_counter()
    places = [gazetteer.find(t).tokens() for t in texts]
    batch = bundle.features.transform(texts, places)
    for head in bundle.heads.values():
        head.proba(batch).argmax(axis=1)
    seconds = time.perf_counter() - began
    out["speed"] = {"suggest_ms_p50": round(float(np.percentile(latencies, 50)), 2),
                    "suggest_ms_p95": round(float(np.percentile(latencies, 95)), 2),
                    "batch_orders_per_second": round(len(texts) / seconds),
                    "note": "one process; the suggestion excludes the similar-open-orders query"}

    items = [OrderText(r.number, r.created_at.to_pydatetime(), r.content, r.district, r.street, r.community,
                       r.category) for r in orders.itertuples()]
    began = time.perf_counter()
    groups = cluster(items, GroupingRules())
    local = [i["orders"] for i in data.incidents if i["kind"] != "new_problem"]
    out["incidents"] = {
        "seconds": round(time.perf_counter() - began, 1), "groups": len(groups),
        "truth": [{"kind": i["kind"], "orders": i["orders_total"], "place": i["place"]["name"]} for i in data.incidents],
        "local_incidents": pairwise_scores(groups, local),
        "all_incidents_including_citywide_waves": pairwise_scores(groups, [i["orders"] for i in data.incidents]),
    }


def hard_part(n: int, out: dict) -> None:
    """Ours vs. the baselines on the synthetic long, noisy 7-class set, same 5 folds."""
    rows = hard_generate(n, seed=1)
    texts = [f"{subject}。{detail}" for subject, detail, _ in rows]
    labels = np.array([label for _, _, label in rows], dtype=object)
    began = time.perf_counter()
    result = cross_validate(texts, labels, folds=5)
    out["hard_synthetic_7_classes"] = {
        "n": n, "seconds": round(time.perf_counter() - began, 1),
        "note": "synthetic stand-in (bench/hard_messages.py), 5% label noise: not real citizens' messages",
        **{k: (v if not isinstance(v, dict) else {kk: vv for kk, vv in v.items() if kk != "folds"})
           for k, v in result.items()},
    }


def main() -> None:
    """Run every part and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hard", type=int, default=3000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "nlp.json"))
    args = parser.parse_args()
    out: dict = {"machine": {"python": host.python_version(), "cpu": host.processor() or host.machine()}}
    simulator_part(args.scale, args.seed, out)
    if args.hard:
        hard_part(args.hard, out)
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
