"""One simulated year of Jinchang, made once for the simulator's tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hotline.simulate import generate

PACK = Path(__file__).resolve().parents[2] / "src" / "hotline" / "citypacks" / "jinchang"


@pytest.fixture(scope="session")
def year():
    """2023 at scale 1, seed 7 (the demo's year, with the October heating surge)."""
    return generate(PACK, date(2023, 1, 1), 365, 7, 1.0)
