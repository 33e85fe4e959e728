"""Benchmarks of intelligent intake, written to bench/nlp.json.

    python bench/nlp_bench.py [--scale 1.0] [--seed 7] [--hard 3000] [--out bench/nlp.json]
        [--train-store sqlite:///copy-of-store-1000000.db [--train-rows 1000000] [--train-text-rows 300000]]
        [--skip-simulator]

- simulator year (jinchang pack): train on the first ten months' closed orders, test on the last two:
  category / request type / department top-1 and top-3, training time; `department_router` is the
  department suggestion (dispatch history of the predicted category at the order's place, with the text);
- suggestion latency for one order (place + three heads + explanations + department router) and batch
  throughput (heads; the router's own batch rate beside it);
- incident grouping: pairwise precision / recall against the simulator's ground truth — local bursts
  alone against the local incidents, then every level (bursts, district surges, city-wide waves) against
  all of them; the batch's seconds; one intake similar-open-orders query against the last 3 days' orders;
- the hard synthetic 7-class set (bench/hard_messages.py): ours vs. char-TF-IDF + LinearSVC, same folds;
- with --train-store: `hotline nlp train` on that store (its newest --train-rows closed orders), wall and
  CPU seconds and peak memory (run first, so the peak is training's own). Training only reads the store,
  but opening SQLite in WAL mode writes beside it: give it a copy of a pristine bench store.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform as host
import resource
import sys
import tempfile
import time
from bisect import bisect_left
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from hard_messages import generate as hard_generate  # noqa: E402

from hotline.nlp.duplicates import (  # noqa: E402
    GroupingRules, OrderText, cluster, local_bursts, pairwise_scores, similar_open)
from hotline.nlp.evaluation import cross_validate  # noqa: E402
from hotline.nlp.messages import FIELD_SEP  # noqa: E402
from hotline.nlp.places import Gazetteer  # noqa: E402
from hotline.nlp.registry import ModelRegistry  # noqa: E402
from hotline.nlp.text import add_words  # noqa: E402
from hotline.nlp.training import TEXT_ROWS, columns_from_table, train, train_columns  # noqa: E402
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


def _route(bundle, matrix, districts, streets) -> np.ndarray:
    """The department router's probabilities for feature rows and their places."""
    category, department = bundle.heads["category"], bundle.heads["department"]
    return bundle.router.proba(category.classes, category.proba(matrix), list(districts), list(streets),
                               department.classes, department.proba(matrix))


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
                           "seconds_features": summary["seconds_features"], "heads": summary["heads"],
                           "router": summary["router"]}
        bundle = ModelRegistry(folder).current()
    columns = columns_from_table(test)
    matrix = bundle.features.transform(columns["text"], columns["places"])
    accuracy = {}
    for name, head in bundle.heads.items():
        truth = np.array(columns[name], dtype=object)
        known = np.array([t is not None for t in truth])
        accuracy[name] = _topk(head, head.proba(matrix[known]), truth[known].astype(str))
    router = bundle.router
    truth = np.array(columns["department"], dtype=object)
    known = np.array([t is not None for t in truth])
    routed = _route(bundle, matrix[known], np.array(columns["district"], dtype=object)[known],
                    np.array(columns["street"], dtype=object)[known])
    accuracy["department_router"] = _topk(SimpleNamespace(classes=router.departments), routed, truth[known].astype(str))
    # The same before anyone has typed the address: the place only as found in the citizen's words.
    said_texts = list(np.array(columns["text"], dtype=object)[known])
    said = [gazetteer.find(t) for t in said_texts]
    said_matrix = bundle.features.transform(said_texts, [p.tokens() for p in said])
    routed = _route(bundle, said_matrix, [p.district for p in said], [p.street for p in said])
    accuracy["department_router_place_from_text"] = _topk(SimpleNamespace(classes=router.departments), routed,
                                                          truth[known].astype(str))
    out["accuracy_last_two_months"] = accuracy

    texts = test["content"].tolist()[:3000]
    latencies = []
    for text in texts[:300]:
        began = time.perf_counter()
        place = gazetteer.find(text)
        row = bundle.features.transform([text], [place.tokens()])
        probs = {}
        for name, head in bundle.heads.items():
            probs[name] = prob = head.proba(row)
            for c in np.argsort(-prob[0])[:3]:
                head.explain(row, int(c), bundle.features.names, bundle.features.n_word_features)
        # The department suggestion as the service makes it: the router over the heads' probabilities.
        category, department, router = bundle.heads["category"], bundle.heads["department"], bundle.router
        routed = router.proba(category.classes, probs["category"], [place.district], [place.street],
                              department.classes, probs["department"])[0]
        best = str(category.classes[int(np.argmax(probs["category"][0]))])
        for c in np.argsort(-routed)[:3]:
            router.evidence(best, place.district, place.street, str(router.departments[c]))
        latencies.append(1000 * (time.perf_counter() - began))
    began, began_cpu = time.perf_counter(), time.process_time()
    found = [gazetteer.find(t) for t in texts]
    batch = bundle.features.transform(texts, [p.tokens() for p in found])
    probs = {}
    for name, head in bundle.heads.items():
        probs[name] = head.proba(batch)
        probs[name].argmax(axis=1)
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - began_cpu
    began = time.perf_counter()
    bundle.router.proba(bundle.heads["category"].classes, probs["category"], [p.district for p in found],
                        [p.street for p in found], bundle.heads["department"].classes, probs["department"]).argmax(axis=1)
    router_seconds = time.perf_counter() - began
    out["speed"] = {"suggest_ms_p50": round(float(np.percentile(latencies, 50)), 2),
                    "suggest_ms_p95": round(float(np.percentile(latencies, 95)), 2),
                    "batch_orders_per_second": round(len(texts) / seconds),
                    # CPU time of this one process: what one core does, however busy the machine is.
                    "batch_orders_per_cpu_second": round(len(texts) / cpu_seconds),
                    "router_batch_orders_per_second": round(len(texts) / router_seconds),
                    "router_note": "the department router alone, over the heads' probabilities of the same batch",
                    "note": "one process; the suggestion excludes the similar-open-orders query"}

    out["incidents"] = incident_part(orders, data.incidents)


def incident_part(orders: pd.DataFrame, incidents: list[dict]) -> dict:
    """Grouping over the year against the simulator's truth: local bursts alone, then with city-wide waves."""
    items = [OrderText(r.number, r.created_at.to_pydatetime(), r.content, r.district, r.street, r.community,
                       r.category) for r in orders.itertuples()]
    began = time.perf_counter()
    groups = cluster(items, GroupingRules())
    seconds = time.perf_counter() - began
    local = [i["orders"] for i in incidents if i["kind"] != "new_problem"]
    return {
        "seconds": round(seconds, 1), "orders": len(items), "groups": len(groups),
        "truth": [{"kind": i["kind"], "orders": i["orders_total"], "place": i["place"]["name"]} for i in incidents],
        # The first level alone against the local truth; waves are scored in the line after.
        "local_incidents": pairwise_scores(local_bursts(items, GroupingRules()), local),
        "all_incidents_including_citywide_waves": pairwise_scores(groups, [i["orders"] for i in incidents]),
        "intake_similar_open_ms": _similar_open_ms(items),
    }


def _similar_open_ms(items: list[OrderText], days: int = 3, probes: int = 200) -> dict:
    """Latency of one intake query against the orders of the last `days` days (p50, p95, how many candidates)."""
    items = sorted(items, key=lambda o: o.at)
    times = [o.at for o in items]
    latencies, sizes = [], []
    for k in range(len(items) - probes, len(items)):
        new = items[k]
        candidates = items[bisect_left(times, new.at - timedelta(days=days)):k]
        began = time.perf_counter()
        similar_open(new, candidates)
        latencies.append(1000 * (time.perf_counter() - began))
        sizes.append(len(candidates))
    return {"p50": round(float(np.percentile(latencies, 50)), 2), "p95": round(float(np.percentile(latencies, 95)), 2),
            "candidates_p50": int(np.percentile(sizes, 50)), "days": days}


def hard_part(n: int, out: dict) -> None:
    """Ours vs. the baselines on the synthetic long, noisy 7-class set, same 5 folds."""
    rows = hard_generate(n, seed=1)
    # Joined as `nlp evaluate` joins a file's columns, so the subject can be told apart.
    texts = [f"{subject}{FIELD_SEP}{detail}" for subject, detail, _ in rows]
    labels = np.array([label for _, _, label in rows], dtype=object)
    began = time.perf_counter()
    result = cross_validate(texts, labels, folds=5)
    out["hard_synthetic_7_classes"] = {
        "n": n, "seconds": round(time.perf_counter() - began, 1),
        "note": "synthetic stand-in (bench/hard_messages.py), 3% label noise: not real citizens' messages",
        **{k: (v if not isinstance(v, dict) else {kk: vv for kk, vv in v.items() if kk != "folds"})
           for k, v in result.items()},
    }


def store_training_part(url: str, rows: int, text_rows: int, out: dict) -> None:
    """`hotline nlp train` on a store: seconds (wall and CPU, this process and any it forked) and peak RSS."""
    began, began_cpu = time.perf_counter(), _cpu_seconds()
    with tempfile.TemporaryDirectory() as folder:
        summary = train(url, folder, max_rows=rows, text_rows=text_rows)
    out["store_training"] = {
        "store": url, "max_rows": rows, "text_rows": text_rows, "seconds": round(time.perf_counter() - began, 1),
        "cpu_seconds": round(_cpu_seconds() - began_cpu, 1),
        # ru_maxrss is in KiB on Linux: the largest of this process and of its largest child.
        "peak_rss_gb": round(max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF,
                                                                              resource.RUSAGE_CHILDREN)) / 2**20, 2),
        **{k: v for k, v in summary.items() if k not in ("version", "file")},
    }
    print(json.dumps(out["store_training"], ensure_ascii=False, indent=2), flush=True)


def _cpu_seconds() -> float:
    return sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for field in ("ru_utime", "ru_stime"))


def main() -> None:
    """Run every part and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hard", type=int, default=3000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "nlp.json"))
    parser.add_argument("--train-store", help="also time `nlp train` on this store URL (a copy: see above)")
    parser.add_argument("--train-rows", type=int, default=1_000_000, help="with --train-store: newest closed orders")
    parser.add_argument("--train-text-rows", type=int, default=TEXT_ROWS,
                        help="with --train-store: of which the text heads read the newest this many")
    parser.add_argument("--skip-simulator", action="store_true", help="only the --train-store and --hard parts")
    args = parser.parse_args()
    out: dict = {"machine": {"python": host.python_version(), "cpu": host.processor() or host.machine()}}
    if args.train_store:
        store_training_part(args.train_store, args.train_rows, args.train_text_rows, out)
    if not args.skip_simulator:
        simulator_part(args.scale, args.seed, out)
    if args.hard:
        hard_part(args.hard, out)
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
