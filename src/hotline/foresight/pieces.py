"""Four-character pieces of Chinese text as integer codes, cut for many requests at once; pure numpy.

A piece is four consecutive characters of the CJK block U+4E00–U+9FFF (so it never straddles
punctuation, digits or Latin letters). Each character fits in 15 bits, so a piece is one int64 code
and a month of requests is cut and counted with array operations instead of a Python loop per text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

GRAM = 4
_FIRST, _LAST = 0x4E00, 0x9FFF
_BITS = 15
_MASK = (1 << _BITS) - 1
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads nearby codes over the table


def cut(texts: Sequence[str], drop: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(text index, piece code) for every distinct piece of every text, sorted by code then text.

    Pieces in `drop` (sorted codes) are left out before the sort, which is most of the work.
    """
    if len(texts) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # One long UTF-32 array; NUL separates the texts (and is not CJK, so no piece spans two texts).
    chars = np.frombuffer("\0".join(t or "" for t in texts).encode("utf-32-le"), dtype=np.uint32)
    separators = np.flatnonzero(chars == 0)
    if len(separators) != len(texts) - 1:  # a NUL inside a text would shift every later text
        return cut([(t or "").replace("\0", " ") for t in texts], drop)
    cjk = (chars >= _FIRST) & (chars <= _LAST)
    code = (chars.astype(np.int64) - _FIRST) & _MASK
    n = len(chars) - GRAM + 1
    if n <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    whole = cjk[:n] & cjk[1:n + 1] & cjk[2:n + 2] & cjk[3:n + 3]
    at = np.flatnonzero(whole)
    pieces = (code[at] << 3 * _BITS) | (code[at + 1] << 2 * _BITS) | (code[at + 2] << _BITS) | code[at + 3]
    if drop is not None and len(drop):
        kept = ~_members(pieces, drop)
        pieces, at = pieces[kept], at[kept]
    owners = np.searchsorted(separators, at)  # the text a piece starts in: separators before it
    # Stable: within one piece the texts stay in their (ascending) order.
    order = np.argsort(pieces, kind="stable")
    pieces, owners = pieces[order], owners[order]
    # A text that repeats a piece holds it once.
    keep = np.ones(len(pieces), bool)
    keep[1:] = (pieces[1:] != pieces[:-1]) | (owners[1:] != owners[:-1])
    return owners[keep], pieces[keep]


def _members(pieces: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """Whether each piece is in `drop` (sorted codes), by a hash table and a binary search only where it is unsure.

    Most pieces of a month of requests are common ones: one look-up each instead of a search.
    """
    bits = max(10, int(len(drop) * 8).bit_length())
    slot_of = lambda codes: ((codes.astype(np.uint64) * _GOLDEN) >> np.uint64(64 - bits)).astype(np.int64)  # noqa: E731
    slots = slot_of(drop)
    table = np.full(1 << bits, -1, np.int64)  # codes are non-negative: -1 is an empty slot
    table[slots] = drop
    shared, counts = np.unique(slots, return_counts=True)
    table[shared[counts > 1]] = -2  # several codes in one slot: search those
    held = table[slot_of(pieces)]
    found = held == pieces
    unsure = np.flatnonzero(held == -2)
    found[unsure] = drop[np.minimum(np.searchsorted(drop, pieces[unsure]), len(drop) - 1)] == pieces[unsure]
    return found


def encode(piece: str) -> int:
    """The code of a four-character piece."""
    if len(piece) != GRAM or not all(_FIRST <= ord(c) <= _LAST for c in piece):
        raise ValueError(f"not a piece of {GRAM} CJK characters: {piece!r}")
    value = 0
    for char in piece:
        value = (value << _BITS) | (ord(char) - _FIRST)
    return value


def decode(code: int) -> str:
    """The four characters of a piece code."""
    return "".join(chr(((int(code) >> (_BITS * (GRAM - 1 - i))) & _MASK) + _FIRST) for i in range(GRAM))
