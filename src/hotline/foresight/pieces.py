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


def cut(texts: Sequence[str], drop: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(text index, piece code) for every distinct piece of every text, sorted by code then text.

    Pieces in `drop` (sorted codes) are left out before the sort, which is most of the work.
    """
    if len(texts) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # One long UTF-32 array; NUL separates the texts (and is not CJK, so no piece spans two texts).
    chars = np.frombuffer("\0".join(t or "" for t in texts).encode("utf-32-le"), dtype=np.uint32)
    text_of = np.cumsum(chars == 0)
    if text_of[-1] != len(texts) - 1:  # a NUL inside a text would shift every later text
        return cut([(t or "").replace("\0", " ") for t in texts], drop)
    cjk = (chars >= _FIRST) & (chars <= _LAST)
    code = (chars.astype(np.int64) - _FIRST) & _MASK
    n = len(chars) - GRAM + 1
    if n <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    whole = cjk[:n] & cjk[1:n + 1] & cjk[2:n + 2] & cjk[3:n + 3]
    at = np.flatnonzero(whole)
    pieces = (code[at] << 3 * _BITS) | (code[at + 1] << 2 * _BITS) | (code[at + 2] << _BITS) | code[at + 3]
    owners = text_of[at]
    if drop is not None and len(drop):
        found = drop[np.minimum(np.searchsorted(drop, pieces), len(drop) - 1)] == pieces
        pieces, owners = pieces[~found], owners[~found]
    # Stable: within one piece the texts stay in their (ascending) order.
    order = np.argsort(pieces, kind="stable")
    pieces, owners = pieces[order], owners[order]
    # A text that repeats a piece holds it once.
    keep = np.ones(len(pieces), bool)
    keep[1:] = (pieces[1:] != pieces[:-1]) | (owners[1:] != owners[:-1])
    return owners[keep], pieces[keep]


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
