"""The checks of quality.py as DuckDB SQL: the copy flags a batch of orders in one vectorised statement.

Python's per-row checks cost ~100 µs an order (minutes at 10M); these expressions give the same flags
(tests/analytics/test_quality_sql.py compares them on tricky texts). Exactness rests on two facts:
- the character classes are generated from the Python regular expressions themselves, code point by
  code point, so RE2 and `re` agree on what is punctuation and whitespace;
- every keyword is a bigram of two CJK characters, and such a bigram is among a text's bigrams exactly
  when it occurs in the text as a substring (both characters are CJK, so they lie in one CJK run).
"""

from __future__ import annotations

import re

from hotline.analytics.quality import (
    _PUNCT, _STOP_BIGRAMS, BOILERPLATE, FLAGS, MIN_CONTENT_CHARS, MIN_REPLY_CHARS, QualityReference,
)

CJK_FIRST, CJK_LAST = 0x4E00, 0x9FFF  # quality._CJK


def _points(pattern: re.Pattern) -> list[int]:
    return [p for p in range(0x110000) if not 0xD800 <= p <= 0xDFFF and pattern.fullmatch(chr(p))]


def _char_class(pattern: re.Pattern) -> str:
    """An RE2 class of every code point the Python pattern matches on its own, as ranges."""
    points = _points(pattern)
    ranges, start = [], None
    for i, p in enumerate(points):
        start = p if start is None else start
        if i + 1 == len(points) or points[i + 1] != p + 1:
            ranges.append(f"\\x{{{start:x}}}" + (f"-\\x{{{p:x}}}" if p != start else ""))
            start = None
    return "[" + "".join(ranges) + "]"


PUNCT_CLASS = _char_class(re.compile(_PUNCT.pattern.removesuffix("+")))
# The same characters for translate(), which deletes them faster than a regular expression does.
PUNCT_CHARS = "".join(chr(p) for p in _points(re.compile(_PUNCT.pattern.removesuffix("+"))))
SPACE_CLASS = _char_class(re.compile(r"\s"))  # what str.strip() removes


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _any_in(column: str, needles) -> str:
    parts = [f"contains({column}, {quote(n)})" for n in sorted(needles)]
    return "(" + " OR ".join(parts) + ")" if parts else "false"


def _district_mismatch(ref: QualityReference, address: str) -> str:
    # quality.registration_flags: no own name in the address, and some other district's name in it.
    every = {n for names in ref.district_names.values() for n in names}
    cases = [f"WHEN district = {quote(code)} THEN NOT {_any_in(address, own)} AND "
             f"{_any_in(address, {n for c, ns in ref.district_names.items() if c != code for n in ns})}"
             for code, own in sorted(ref.district_names.items())]
    return (f"CASE WHEN coalesce(district, '') = '' OR {address} = '' THEN false "
            f"{' '.join(cases)} ELSE {_any_in(address, every)} END")


def _keywords(ref: QualityReference) -> str:
    # category → its keyword bigrams, as an inline table to join (one lookup a row, not a CASE of ~100 arms).
    rows = [f"({quote(code)}, [{', '.join(quote(w) for w in sorted(words))}])"
            for code, words in sorted(ref.category_keywords.items()) if words]
    rows = rows or ["(NULL, NULL::VARCHAR[])"]
    return f"(VALUES {', '.join(rows)}) AS _kw(_kw_category, _kw_words)"


def _is_cjk(text: str) -> str:
    return f"(unicode({text}) BETWEEN {CJK_FIRST} AND {CJK_LAST})"


def _reply_bigrams(reply: str) -> str:
    # The reply's CJK bigrams less the stop bigrams; computed once per distinct reply (replies repeat).
    return (f"list_filter(list_transform(range(1, length({reply})), lambda i: substr({reply}, i, 2)), lambda w: "
            f"{_is_cjk('w[1]')} AND {_is_cjk('w[2]')} AND "
            f"w NOT IN ({', '.join(quote(s) for s in sorted(_STOP_BIGRAMS))}))")


def flag_select(ref: QualityReference, source: str) -> str:
    """A SELECT over `source` (rows with the order columns and texts) adding content_len, reply_len and FLAGS."""
    texts = (f"SELECT *, coalesce(content, '') AS _c, coalesce(reply, '') AS _r, coalesce(address, '') AS _a, "
             f"(replied_at IS NOT NULL OR coalesce(closed_directly, false)) AS _replied FROM {source}")
    texts = (f"WITH t AS ({texts}), b AS (SELECT _r, {_reply_bigrams('_r')} AS _bg FROM (SELECT DISTINCT _r FROM t)) "
             f"SELECT * FROM t JOIN b USING (_r) LEFT JOIN {_keywords(ref)} ON _kw_category = t.category")
    bare_reply = f"translate(_r, {quote(PUNCT_CHARS)}, '')"
    step = (f"SELECT *, {bare_reply} AS _bare, "
            f"{_district_mismatch(ref, '_a')} AS _dm, _kw_words IS NOT NULL AND NOT coalesce(list_bool_or(list_transform(_kw_words, lambda w: contains(_c, w))), false) AS _cm FROM ({texts})")
    boiler = f"_bare IN ({', '.join(quote(b) for b in sorted(BOILERPLATE))})"
    # Some CJK bigram of the reply, not a stop bigram, occurs in the content (see the module's docstring).
    shared = "coalesce(list_bool_or(list_transform(_bg, lambda w: contains(_c, w))), false)"
    flags = {
        "q_missing_place": "district IS NULL",
        "q_missing_category": "category IS NULL",
        "q_missing_address": f"regexp_full_match(_a, '{SPACE_CLASS}*')",
        "q_content_short": f"length(translate(_c, {quote(PUNCT_CHARS)}, '')) < {MIN_CONTENT_CHARS}",
        "q_district_mismatch": "_dm",
        "q_category_mismatch": "_cm",
        "r_missing": "_replied AND _bare = ''",
        "r_short": f"_replied AND _bare <> '' AND length(_bare) < {MIN_REPLY_CHARS}",
        "r_boilerplate": f"_replied AND _bare <> '' AND {boiler}",
        "r_off_topic": f"_replied AND _bare <> '' AND NOT ({boiler}) AND NOT {shared}",
    }
    assert tuple(flags) == FLAGS
    derived = ", ".join(f"{sql} AS {name}" for name, sql in flags.items())
    return (f"SELECT * EXCLUDE (_c, _r, _a, _replied, _bare, _dm, _cm, _bg, _kw_category, _kw_words), length(_c) AS content_len, "
            f"length(_r) AS reply_len, {derived} FROM ({step})")
