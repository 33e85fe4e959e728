"""Four-character pieces: leaving out known pieces gives exactly what cutting everything and filtering gives."""

from __future__ import annotations

import numpy as np

from hotline.foresight import pieces

TEXTS = ["小区供暖不热，暖气片冰凉", "", None, "共享电单车乱停放堵塞消防通道", "小区供暖不热已经三天",
         "含\0空字符的供暖投诉内容", "路灯不亮 路灯不亮", "ABC123", "共享电单车乱停放"]


def test_dropping_known_pieces_equals_filtering_every_piece():
    owners, codes = pieces.cut(TEXTS)
    rng = np.random.default_rng(7)
    # Many codes that are no piece at all crowd the look-up table, so that slots are shared.
    for drop in (np.unique(codes)[::2], np.unique(np.r_[codes[::3], rng.integers(0, 1 << 60, 50_000)])):
        kept = ~np.isin(codes, drop)
        got_owners, got_codes = pieces.cut(TEXTS, drop=drop)
        assert 0 < len(got_codes) < len(codes)
        np.testing.assert_array_equal(got_owners, owners[kept])
        np.testing.assert_array_equal(got_codes, codes[kept])


def test_each_piece_names_the_text_it_came_from():
    owners, codes = pieces.cut(TEXTS)
    for owner, code in zip(owners, codes):
        assert pieces.decode(code) in TEXTS[owner]


def test_cut_finds_exactly_the_four_character_runs_of_cjk_text():
    texts = [*TEXTS, "表情😀符号不断开😀共享单车", "生僻字𠀀在这里不算中日韩统一表意", "末尾四字"]
    texts += [f"第{i}号楼供暖不热{'停水' * (i % 3)}" for i in range(9000)]  # more texts than one chunk
    expected = sorted({(code, i) for i, t in enumerate(texts) for code in _by_hand(t or "")})
    owners, codes = pieces.cut(texts)
    assert list(zip(codes.tolist(), owners.tolist())) == expected


def _by_hand(text: str) -> set[int]:
    cjk = lambda c: 0x4E00 <= ord(c) <= 0x9FFF  # noqa: E731
    return {pieces.encode(text[i:i + 4]) for i in range(len(text) - 3) if all(cjk(c) for c in text[i:i + 4])}
