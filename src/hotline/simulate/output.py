"""Writing simulated data: Parquet files per table (chunk by chunk) and the ground-truth JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from hotline.simulate.generate import TABLES, decoded


class ParquetSink:
    """Writes each table to DIR/<table>.parquet, one row group per chunk."""

    def __init__(self, out_dir: str | Path):
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.writers: dict[str, pq.ParquetWriter] = {}

    def add(self, data) -> None:
        """Append one chunk's tables."""
        for name in TABLES:
            table = decoded(getattr(data, name))
            if table.num_rows == 0 and name in self.writers:
                continue
            if name not in self.writers:
                self.writers[name] = pq.ParquetWriter(self.dir / f"{name}.parquet", table.schema, compression="zstd")
            self.writers[name].write_table(table.cast(self.writers[name].schema))

    def close(self) -> None:
        """Finish the files."""
        for writer in self.writers.values():
            writer.close()


def write_parquet(data, out_dir: str | Path) -> Path:
    """Write one SimulatedData as Parquet files in a folder; returns the folder."""
    sink = ParquetSink(out_dir)
    sink.add(data)
    sink.close()
    return Path(out_dir)


def write_truth(incidents: list[dict], path: str | Path) -> Path:
    """The incidents' ground truth as JSON (kind, place, category, start, end, extra/day, orders)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"incidents": incidents}, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
