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


CHUNK_TEXTS = 4096  # texts cut at a time: a chunk's arrays stay in the processor's cache


def cut(texts: Sequence[str], drop: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(text index, piece code) for every distinct piece of every text, sorted by code then text.

    Pieces in `drop` (sorted codes) are left out before the sort, which is most of the work.
    """
    if len(texts) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    known = _Members(drop) if drop is not None and len(drop) else None
    parts = [_cut_chunk(texts[first:first + CHUNK_TEXTS], first, known) for first in range(0, len(texts), CHUNK_TEXTS)]
    owners = np.concatenate([p[0] for p in parts])
    pieces = np.concatenate([p[1] for p in parts])
    # Stable: the chunks come in text order, so within one piece the texts stay in their (ascending) order.
    order = np.argsort(pieces, kind="stable")
    pieces, owners = pieces[order], owners[order]
    # A text that repeats a piece holds it once.
    keep = np.ones(len(pieces), bool)
    keep[1:] = (pieces[1:] != pieces[:-1]) | (owners[1:] != owners[:-1])
    return owners[keep], pieces[keep]


def _cut_chunk(texts: Sequence[str], first: int, known: _Members | None) -> tuple[np.ndarray, np.ndarray]:
    """(text index, piece code) of every piece of some texts not `known`, in text order; texts numbered from `first`."""
    # One long UTF-16 array (half UTF-32's bytes; a character beyond it becomes two units, neither CJK);
    # NUL separates the texts (and is not CJK, so no piece spans two texts).
    chars = np.frombuffer("\0".join(t or "" for t in texts).encode("utf-16-le"), dtype=np.uint16)
    separators = np.flatnonzero(chars == 0)
    if len(separators) != len(texts) - 1:  # a NUL inside a text would shift every later text
        return _cut_chunk([(t or "").replace("\0", " ") for t in texts], first, known)
    n = len(chars) - GRAM + 1
    if n <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # Offsets into the CJK block: any other character wraps around to a large number.
    offset = chars - np.uint16(_FIRST)
    cjk = offset <= np.uint16(_LAST - _FIRST)
    at = np.flatnonzero(cjk[:n] & cjk[1:n + 1] & cjk[2:n + 2] & cjk[3:n + 3])
    # Two characters fit in 30 bits, so a piece is two such pairs.
    pair = (offset[:-1].astype(np.uint32) << np.uint32(_BITS)) | offset[1:]
    pieces = (pair[at].astype(np.int64) << 2 * _BITS) | pair[at + 2]
    if known is not None:
        kept = ~known.held(pieces)
        pieces, at = pieces[kept], at[kept]
    return np.searchsorted(separators, at) + first, pieces  # the text a piece starts in: separators before it


class _Members:
    """Whether pieces are in `drop` (sorted codes), by a hash table with linear probing.

    Most pieces of a month of requests are common ones: about one look-up each instead of a search.
    """

    def __init__(self, drop: np.ndarray) -> None:
        drop = np.ascontiguousarray(drop, dtype=np.int64)
        bits = max(10, int(len(drop) * 8).bit_length())  # at most one slot in eight taken
        self._shift, self._mask = np.uint64(64 - bits), (1 << bits) - 1
        self._table = np.full(1 << bits, -1, np.int64)  # codes are non-negative: -1 is an empty slot
        slots = self._slot_of(drop)
        waiting = np.arange(len(drop))
        while len(waiting):
            # Each empty slot takes the first code that wants it; the others try the next slot.
            wanted = slots[waiting]
            free = np.flatnonzero(self._table[wanted] == -1)
            taken, first = np.unique(wanted[free], return_index=True)
            self._table[taken] = drop[waiting[free[first]]]
            placed = np.zeros(len(waiting), bool)
            placed[free[first]] = True
            waiting = waiting[~placed]
            slots[waiting] = (slots[waiting] + 1) & self._mask

    def _slot_of(self, codes: np.ndarray) -> np.ndarray:
        """Fibonacci hashing: the top bits of code × golden ratio."""
        slots = np.ascontiguousarray(codes, dtype=np.int64).view(np.uint64) * _GOLDEN  # non-negative: the same bits
        slots >>= self._shift
        return slots.view(np.int64)

    def held(self, pieces: np.ndarray) -> np.ndarray:
        """Whether each piece is one of the codes."""
        slots = self._slot_of(pieces)
        held = self._table[slots]
        found = held == pieces
        # A slot holding another code: the piece may sit further on, up to the next empty slot.
        probing = np.flatnonzero(~found & (held != -1))
        while len(probing):
            slots_on = (slots[probing] + 1) & self._mask
            slots[probing] = slots_on
            held = self._table[slots_on]
            hit = held == pieces[probing]
            found[probing[hit]] = True
            probing = probing[~hit & (held != -1)]
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
