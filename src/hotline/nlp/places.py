"""Finding the district, street/town, community and address in free text, against the city's gazetteer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LEVELS = ("district", "street", "community")
# Suffixes people drop when they speak: 河西堡 for 河西堡镇, 龙岗里 for 龙岗里社区.
SUFFIXES = ("经济技术开发区", "街道办事处", "街道", "社区", "居委会", "开发区", "新区", "镇", "乡", "村", "区", "县", "市")
ADDRESS = re.compile(
    r"(?P<pre>[\u4e00-\u9fffA-Za-z0-9]{1,12}?)(?P<key>路|街|巷|大道|道)(?:\d+|[一二三四五六七八九十]+)号(?:院)?"
    r"(?:\d+号楼|\d+栋|\d+幢)?(?:\d+单元)?(?:\d+室|\d+号)?"
    r"|(?P<pre2>[\u4e00-\u9fff]{2,10}?)(?P<key2>小区|花园|家园|公寓|大厦|苑|新村|广场|市场|医院|学校|小学|中学|公园)"
    r"(?:\d+号楼|\d+栋|\d+幢|\d+号)?(?:\d+单元)?(?:\d+室)?"
)
# Where a run of characters before an address stops being part of it.
ADDRESS_CUT = re.compile(r".*(?:社区|街道|办事处|有个|一个|附近|对面|旁边|门口|[镇乡村县区在的住是了和与])")
GENERIC = frozenset({"小区", "花园", "广场", "市场", "医院", "学校", "公园", "我们小区", "这个小区", "本小区", "我家小区"})


@dataclass(frozen=True)
class RegionName:
    """One way of writing a region: the code it means, its level, its parent code."""

    code: str
    level: str
    parent: str | None
    exact: bool  # the full name or a listed alias, not a derived short form


@dataclass
class PlaceMatch:
    """What was found: codes per level, the words matched, the address and a confidence 0..1."""

    district: str | None = None
    street: str | None = None
    community: str | None = None
    address: str = ""
    matched: dict[str, str] = field(default_factory=dict)
    fuzzy: list[str] = field(default_factory=list)
    confidence: float = 0.0

    def as_dict(self, names: dict[str, str]) -> dict:
        """JSON shape: codes and names per level."""
        out: dict = {"address": self.address, "confidence": round(self.confidence, 2), "matched": self.matched,
                     "fuzzy": self.fuzzy}
        for level in LEVELS:
            code = getattr(self, level)
            out[level] = code
            out[f"{level}_name"] = names.get(code) if code else None
        return out

    def tokens(self) -> str:
        """The found codes as place tokens for the classifier."""
        return " ".join(f"{level[0].upper()}{code}" for level in LEVELS if (code := getattr(self, level)))


def short_forms(name: str) -> list[str]:
    """Forms of a name with its administrative suffix dropped, if at least two characters stay."""
    forms = []
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            forms.append(name[: -len(suffix)])
    return forms


class Gazetteer:
    """Region names, aliases and short forms, with one-character-typo keys, ready for matching."""

    def __init__(self, regions: list[dict]) -> None:
        self.parents: dict[str, str | None] = {}
        self.levels: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.index: dict[str, list[RegionName]] = {}
        self.typos: dict[str, list[tuple[str, RegionName]]] = {}
        for region in regions:
            if region["level"] not in LEVELS:
                continue
            code, level, parent = region["code"], region["level"], region.get("parent")
            self.parents[code], self.levels[code], self.names[code] = parent, level, region["name"]
            exact = {region["name"], *(region.get("aliases") or [])}
            forms = {(n, True) for n in exact if len(n) >= 2}
            forms |= {(s, False) for n in exact for s in short_forms(n)} - {(n, False) for n in exact}
            for form, is_exact in forms:
                entry = RegionName(code, level, parent, is_exact)
                self.index.setdefault(form, []).append(entry)
                # One wrong character is tolerated only in full names of 4+ characters: shorter keys
                # would match ordinary words.
                if is_exact and len(form) >= 4:
                    for i in range(len(form)):
                        self.typos.setdefault(form[:i] + "?" + form[i + 1:], []).append((form, entry))
        self.lengths = sorted({len(n) for n in self.index}, reverse=True)
        self.typo_lengths = sorted({len(k) for k in self.typos}, reverse=True)
        # Which characters open a name (or its second character, when the typo is the first one), by
        # length: most windows of a text are dismissed by one set look-up instead of building keys.
        self.firsts = {n: {w[0] for w in self.index if len(w) == n} for n in self.lengths}
        self.typo_firsts = {n: {k[0] for k in self.typos if len(k) == n and k[0] != "?"} for n in self.typo_lengths}
        self.typo_seconds = {n: {k[1] for k in self.typos if len(k) == n and k[0] == "?"} for n in self.typo_lengths}

    @classmethod
    def from_snapshot(cls, snapshot) -> "Gazetteer":
        """A gazetteer of the reference snapshot's regions."""
        return cls([{"code": r.code, "name": r.name, "level": r.level, "parent": r.parent, "aliases": r.aliases}
                    for r in snapshot.regions.values()])

    def words(self) -> list[str]:
        """Every name and form, for the segmenter's dictionary."""
        return list(self.index)

    def _chain(self, code: str) -> dict[str, str]:
        chain = {}
        while code:
            chain[self.levels[code]] = code
            code = self.parents.get(code)
        return chain

    def find(self, text: str) -> PlaceMatch:
        """The most specific consistent place named in the text (longest names first, then typos)."""
        hits = self._exact_hits(text)
        fuzzy: list[str] = []
        if not any(e.level != "district" for _, e, _ in hits):
            typo_hits = self._typo_hits(text, {span for _, _, span in hits})
            hits += [(w, e, s) for w, e, s in typo_hits]
            fuzzy = [w for w, _, _ in typo_hits]
        return self._resolve(text, hits, fuzzy)

    def _exact_hits(self, text: str) -> list[tuple[str, RegionName, tuple[int, int]]]:
        taken = [False] * len(text)
        hits = []
        for length in self.lengths:
            firsts = self.firsts[length]
            for start in range(0, len(text) - length + 1):
                if text[start] not in firsts or taken[start] or taken[start + length - 1]:
                    continue
                word = text[start:start + length]
                entries = self.index.get(word)
                if entries:
                    for i in range(start, start + length):
                        taken[i] = True
                    hits.extend((word, e, (start, start + length)) for e in entries)
        return hits

    def _typo_hits(self, text: str, spans: set) -> list[tuple[str, RegionName, tuple[int, int]]]:
        covered = {i for a, b in spans for i in range(a, b)}
        out = []
        for length in self.typo_lengths:
            firsts, seconds = self.typo_firsts[length], self.typo_seconds[length]
            for start in range(0, len(text) - length + 1):
                # A key with the typo past the first character keeps that character, one with the
                # typo first keeps the second: windows matching neither cannot hit.
                opens, seconds_only = text[start] in firsts, text[start + 1] in seconds
                if not (opens or seconds_only):
                    continue
                window = text[start:start + length]
                if any(i in covered for i in range(start, start + length)) or not window.isalpha():
                    continue
                for i in range(0 if seconds_only else 1, length if opens else 1):
                    for form, entry in self.typos.get(window[:i] + "?" + window[i + 1:], []):
                        if form != window:
                            out.append((window, entry, (start, start + length)))
        return out

    def _resolve(self, text: str, hits, fuzzy: list[str]) -> PlaceMatch:
        if not hits:
            return PlaceMatch(address=_address(text))
        best: tuple[float, dict[str, str]] | None = None
        for _, entry, _ in hits:
            chain = self._chain(entry.code)
            # Hits that agree with a candidate's chain count for it, hits that name another region at
            # a level of the chain (or under another parent) count against it; weak forms weigh less.
            score = 0.1 * len(chain)
            for word, other, _ in hits:
                if chain.get(other.level) == other.code:
                    score += _weight(word, other, fuzzy)
                elif other.level in chain or self._chain(other.code).get(entry.level) not in (None, entry.code):
                    score -= _weight(word, other, fuzzy)
            if best is None or score > best[0]:
                best = (score, chain)
        chain = best[1]
        matched = {e.level: w for w, e, _ in hits if chain.get(e.level) == e.code}
        depth = len([level for level in LEVELS if level in chain])
        confidence = min(1.0, 0.4 + 0.2 * depth - (0.2 if set(fuzzy) & set(matched.values()) else 0))
        return PlaceMatch(chain.get("district"), chain.get("street"), chain.get("community"), _address(text),
                          matched, [w for w in fuzzy if w in matched.values()], confidence)


def _weight(word: str, entry: RegionName, fuzzy: list[str]) -> float:
    # Two-character forms of streets and communities (西街, 铁路) are often ordinary words.
    if word in fuzzy:
        return 0.5
    if entry.level == "district" or len(word) >= 4:
        return 1.0
    return 0.8 if len(word) == 3 else 0.5


def _address(text: str) -> str:
    found = []
    for match in ADDRESS.finditer(text):
        value = match.group(0)
        # Cut what precedes the address proper, but never into its own keyword (小区 holds 区).
        prefix = match.group("pre") or match.group("pre2") or ""
        cut = ADDRESS_CUT.match(prefix)
        value = value[cut.end():] if cut else value
        if value not in GENERIC and len(value) >= 3:
            found.append(value)
    return max(found, key=len) if found else ""
