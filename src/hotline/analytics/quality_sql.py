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


_EVERY = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x110000)))  # no surrogates


def _points(pattern: re.Pattern) -> list[int]:
    """Every code point a one-character pattern matches (one findall over them all)."""
    return [ord(c) for c in pattern.findall(_EVERY)]


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
SPACE_CLASS = _char_class(re.compile(r"\s"))  # what str.strip() removes
del _EVERY  # 4 MB


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
    # (category, keyword) rows to join: a lookup a row instead of a CASE of ~100 arms.
    rows = [f"({quote(code)}, {quote(w)})" for code, words in sorted(ref.category_keywords.items()) for w in sorted(words)]
    return f"(VALUES {', '.join(rows or ['(NULL, NULL)'])}) AS kw(category, word)"


def _is_cjk(text: str) -> str:
    return f"(unicode({text}) BETWEEN {CJK_FIRST} AND {CJK_LAST})"


def flag_select(ref: QualityReference, source: str) -> str:
    """A SELECT over `source` (rows with the order columns and texts) adding content_len, reply_len and FLAGS."""
    # No lambdas: one capturing a row's column runs row by row; unnest and joins stay vectorised.
    stop = ", ".join(quote(s) for s in sorted(_STOP_BIGRAMS))
    texts = (f"SELECT *, coalesce(content, '') AS _c, coalesce(reply, '') AS _r, coalesce(address, '') AS _a, "
             f"(replied_at IS NOT NULL OR coalesce(CAST(closed_directly AS BOOLEAN), false)) AS _replied "
             f"FROM {source}")
    # Whether the content holds a keyword of its category (no row: the category has none to check).
    keyword = f"SELECT t.id, bool_or(contains(t._c, kw.word)) AS _hit FROM t JOIN {_keywords(ref)} USING (category) GROUP BY 1"
    # Whether some CJK bigram of the reply, not a stop bigram, occurs in the content. The bigrams are cut
    # once per distinct reply (substr is linear in the text, and replies repeat), then joined back.
    cut = ("SELECT _r, substr(_r, i, 2) AS w FROM "
           "(SELECT _r, unnest(range(1, length(_r))) AS i FROM (SELECT DISTINCT _r FROM t WHERE _replied))")
    words = (f"SELECT DISTINCT _r, w FROM ({cut}) WHERE {_is_cjk('w')} AND {_is_cjk('substr(w, 2, 1)')} "
             f"AND w NOT IN ({stop})")
    shared = f"SELECT t.id, bool_or(contains(t._c, rw.w)) AS _shared FROM t JOIN ({words}) rw USING (_r) GROUP BY 1"
    bare = f"regexp_replace(_r, '{PUNCT_CLASS}+', '', 'g')"
    joined = (f"WITH t AS MATERIALIZED ({texts}) SELECT *, {bare} AS _bare, {_district_mismatch(ref, '_a')} AS _dm "
              f"FROM t LEFT JOIN ({keyword}) USING (id) LEFT JOIN ({shared}) USING (id)")
    boiler = f"_bare IN ({', '.join(quote(b) for b in sorted(BOILERPLATE))})"
    flags = {
        "q_missing_place": "district IS NULL",
        "q_missing_category": "category IS NULL",
        "q_missing_address": f"regexp_full_match(_a, '{SPACE_CLASS}*')",
        "q_content_short": f"length(regexp_replace(_c, '{PUNCT_CLASS}+', '', 'g')) < {MIN_CONTENT_CHARS}",
        "q_district_mismatch": "_dm",
        "q_category_mismatch": "_hit IS NOT NULL AND NOT _hit",
        "r_missing": "_replied AND _bare = ''",
        "r_short": f"_replied AND _bare <> '' AND length(_bare) < {MIN_REPLY_CHARS}",
        "r_boilerplate": f"_replied AND _bare <> '' AND {boiler}",
        "r_off_topic": f"_replied AND _bare <> '' AND NOT ({boiler}) AND NOT coalesce(_shared, false)",
    }
    assert tuple(flags) == FLAGS
    derived = ", ".join(f"{sql} AS {name}" for name, sql in flags.items())
    return (f"SELECT * EXCLUDE (_c, _r, _a, _replied, _bare, _dm, _hit, _shared), length(_c) AS content_len, "
            f"length(_r) AS reply_len, {derived} FROM ({joined})")
