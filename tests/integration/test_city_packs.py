"""Loading city packs: the Jinchang pack and a tiny one; nothing is hard-wired to one city."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from hotline.errors import InvalidInput
from hotline.reference.citypack import map_geojson, read_pack
from hotline.reference.models import Category, City, Department, Region

from ..conftest import TINY_PACK


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hotline", *args], capture_output=True, text=True, timeout=120)


def test_jinchang_pack_has_the_real_divisions_and_covers_every_category():
    pack = read_pack("jinchang")
    names = {r["name"]: r for r in pack.regions}
    assert {"金川区", "永昌县", "双湾镇", "宁远堡镇", "城关镇", "河西堡镇", "朱王堡镇"} <= set(names)
    assert names["河西堡镇"]["parent"] == names["永昌县"]["code"]
    assert "永昌" in names["永昌县"]["aliases"] and "河西堡" in names["河西堡镇"]["aliases"]
    level2 = {c["code"] for c in pack.categories if c["level"] == 2}
    assert len([c for c in pack.categories if c["level"] == 1]) == 15 and len(level2) >= 80
    handled = set()
    for department in pack.departments:
        for code in department["categories"]:
            handled |= {code} if len(code) == 4 else {c for c in level2 if c.startswith(code)}
    assert level2 <= handled
    assert 50 <= len(pack.departments) <= 80
    assert {d["kind"] for d in pack.departments} == {"bureau", "government", "outside_unit", "centre"}
    geo = map_geojson("jinchang")
    assert {f["properties"]["name"] for f in geo["features"]} == {"金川区", "永昌县"}


def test_city_load_fills_the_store_and_reloading_is_idempotent(tmp_path):
    db = f"sqlite:///{tmp_path / 'h.db'}"
    first = run("city", "load", "jinchang", "--db", db)
    assert first.returncode == 0, first.stderr
    again = run("city", "load", "jinchang", "--db", db)
    assert again.returncode == 0 and again.stdout == first.stdout
    from hotline.db import make_engine, make_session_factory

    engine = make_engine(db)
    with make_session_factory(engine)() as s:
        assert s.scalar(select(City.name)) == "金昌市"
        assert s.scalar(select(func.count()).select_from(Region)) == len(read_pack("jinchang").regions)
        assert s.scalar(select(func.count()).select_from(Category)) == 98
        assert s.scalar(select(Department.name).where(Department.code == "ZJJ")) == "金昌市住房和城乡建设局"
    engine.dispose()


def test_a_second_city_loads_with_the_same_code(store_url, platform):
    snap = platform.reference_cache.get()
    assert {r.name for r in snap.regions.values() if r.level == "district"} == {"东区", "西区"}
    assert snap.resolve_region("东城", "district") == "990101"


def test_a_broken_pack_is_refused_naming_the_file_and_row(tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(TINY_PACK, broken)
    rows = (broken / "regions.csv").read_text(encoding="utf-8").splitlines()
    rows[3] = rows[3].replace(",street,", ",village,")
    (broken / "regions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="regions.csv:4"):
        read_pack(broken)
    result = run("city", "load", str(broken), "--db", f"sqlite:///{tmp_path / 'h.db'}")
    assert result.returncode == 2 and "regions.csv:4" in result.stderr
    assert run("city", "load", str(tmp_path / "nowhere"), "--db", f"sqlite:///{tmp_path / 'h.db'}").returncode == 2
