"""Cleaning, limits and segmentation of texts; places found against the gazetteer."""

from __future__ import annotations

import csv
import pickle

import pytest

from hotline.errors import InvalidInput
from hotline.nlp.features import TextFeatures
from hotline.nlp.places import Gazetteer
from hotline.nlp.text import MAX_CHARS, checked_text, clean, has_chinese, tokenize
from hotline.reference.citypack import resolve_pack_path


@pytest.fixture(scope="module")
def jinchang() -> Gazetteer:
    path = resolve_pack_path("jinchang") / "regions.csv"
    with open(path, encoding="utf-8") as handle:
        rows = [dict(r, aliases=[a for a in r["aliases"].split("|") if a]) for r in csv.DictReader(handle)]
    return Gazetteer(rows)


def test_clean_strips_html_emoji_and_full_width():
    text = clean("<p>小区<b>停水</b>了😡😡&nbsp;ＡＢＣ１２３</p><script>alert(1)</script>")
    assert text == "小区 停水 了 ABC123"


def test_checked_text_refuses_missing_empty_markup_only_and_huge():
    for bad in (None, 42, "", "   ", "<br/><div></div>", "😀😀😀"):
        with pytest.raises(InvalidInput) as error:
            checked_text(bad)
        assert error.value.field == "content"
    with pytest.raises(InvalidInput, match="longer than"):
        checked_text("水" * (MAX_CHARS + 1))
    assert checked_text("水" * MAX_CHARS) == "水" * MAX_CHARS


def test_non_chinese_text_is_recognised():
    assert not has_chinese("the water is off since monday")
    assert has_chinese("water 停了")


def test_tokenizer_drops_stopwords_and_punctuation_and_pickles():
    tokens = tokenize("我们小区的暖气不热，请尽快处理！")
    assert "暖气" in tokens and "的" not in tokens and "，" not in tokens
    features = TextFeatures(min_df=1)
    features.fit_transform(["暖气不热", "停水了", "路灯坏了"])
    restored = pickle.loads(pickle.dumps(features))
    assert restored.transform(["暖气不热"]).nnz == features.transform(["暖气不热"]).nnz


@pytest.mark.parametrize("text, street, community", [
    ("永昌河西堡镇西街上的路灯坏了", "620321101", None),  # 河西堡镇 wins over the community alias 西街
    ("我住在龙岗里社区幸福小区3号楼2单元，楼道灯不亮", "620302001", "620302001001"),
    ("河西铺镇有个小区停水", "620321101", None),  # one wrong character
    ("金川区北京路街道金岭社区人民路12号门口有个坑", "620302003", "620302003001"),
])
def test_places_are_found_from_full_short_and_misspelt_names(jinchang, text, street, community):
    place = jinchang.find(text)
    assert (place.street, place.community) == (street, community)
    assert place.district == street[:6]


def test_short_district_name_and_address_are_found(jinchang):
    place = jinchang.find("永昌县城关镇北海子公园旁边有人烧垃圾")
    assert place.district == "620321" and place.street == "620321100"
    assert place.address == "北海子公园"
    assert jinchang.find("金岭社区人民路12号门口").address == "人民路12号"


def test_text_without_a_place_finds_nothing(jinchang):
    place = jinchang.find("hello world，今天天气不错")
    assert (place.district, place.street, place.community, place.confidence) == (None, None, None, 0.0)
