"""Read a rendered prompt into the few facts the sketch backend can draw.

Pure and forgiving: lower-case word matching, a colour word attaches to the part named
within a few words after it ("red leather jacket"), and the framing is read from the
``Framing:`` section or the first sentence before the whole text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from facebuild.backends.sketch import lexicon as lx
from facebuild.backends.sketch.lexicon import RGB
from facebuild.backends.sketch.palette import lighten, saturate, scale

_TOKEN = re.compile(r"[a-z]+|[.,;:!?()\[\]\n]")
_LABEL = re.compile(r"(?i)\b(framing|frame|style|character|setting|traits|negative)\s*:")
_CHROMA = re.compile(
    r"\bgreen ?screen\b|\bchroma\b|\bchromakey\b"
    r"|\b(?:solid|flat|plain|pure|uniform|bright) green (?:background|backdrop|screen)\b"
)
_FULL = ("full body", "full length", "full figure", "whole body", "head to toe", "standing",
         "full shot", "fullbody")
_BUST = ("bust", "head and shoulders", "shoulders", "half body", "upper body", "waist up",
         "chest up")
_ICON = ("icon", "avatar", "headshot", "close up", "closeup", "token", "emoji",
         "profile picture")
_LOOKBACK = 3


class Features(NamedTuple):
    """What to draw. Colours left ``None`` are chosen from the seed."""

    scene: bool = False
    framing: str = "bust"
    """``icon``, ``bust`` or ``full``."""
    green_screen: bool = False
    hair: RGB | None = None
    eyes: RGB | None = None
    skin: RGB | None = None
    clothing: RGB | None = None
    legs: RGB | None = None
    hat: RGB | None = None
    beard: RGB | None = None
    background: RGB | None = None
    hair_style: str | None = None
    pointed_hat: bool = False
    garment: str | None = None
    expression: str | None = None
    accessories: frozenset[str] = frozenset()
    moods: frozenset[str] = frozenset()
    palette: tuple[RGB, ...] = ()
    """Colour words not attached to a part, from the style text (or the whole prompt)."""
    scenery: frozenset[str] = frozenset()


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def parse_features(prompt: str, negative: str) -> Features:
    """The drawable facts of ``prompt``, less whatever ``negative`` names."""
    words = _tokens(prompt)
    banned = {w for w in _tokens(negative) if w.isalpha()}
    joined = " ".join(w for w in words if w.isalpha())
    sections = _sections(prompt)
    framing_text = sections.get("framing") or sections.get("frame") or _first_sentence(prompt)
    bound = _bound_colours(words)
    style_words = _CHROMA.sub(" ", " ".join(_tokens(sections.get("style", prompt)))).split()
    return Features(
        scene=_is_scene(words, banned, _tokens(framing_text)),
        framing=_framing(_tokens(framing_text), words),
        green_screen=bool(_CHROMA.search(joined)) and not _CHROMA.search(" ".join(banned)),
        hair=bound.get("hair"), eyes=bound.get("eyes"), skin=bound.get("skin"),
        clothing=bound.get("clothing"), legs=bound.get("legs"), hat=bound.get("hat"),
        beard=bound.get("beard"), background=bound.get("background"),
        hair_style=_hair_style(words, banned),
        pointed_hat=not lx.POINTED_HATS.isdisjoint(words),
        garment=next((lx.GARMENTS[w] for w in words if w in lx.GARMENTS), None),
        expression=_expression(words, banned),
        accessories=_accessories(words, banned),
        moods=frozenset(lx.MOODS[w] for w in words if w in lx.MOODS)
        | ({"noir"} if "black and white" in joined else set()),
        palette=_loose_colours(style_words),
        scenery=frozenset(lx.SCENERY[w] for w in words if w in lx.SCENERY),
    )


def _sections(prompt: str) -> dict[str, str]:
    """The text after each ``Label:`` of the template, up to the next label."""
    marks = list(_LABEL.finditer(prompt))
    ends = [m.start() for m in marks[1:]] + [len(prompt)]
    return {m.group(1).lower(): prompt[m.end():end] for m, end in zip(marks, ends[:len(marks)],
                                                                      strict=True)}


def _first_sentence(prompt: str) -> str:
    return re.split(r"[.\n]", prompt, maxsplit=1)[0]


def _is_colour(word: str) -> bool:
    return word in lx.COLOURS or word in lx.TONES or word in lx.SKIN_READINGS


def _bound_colours(words: list[str]) -> dict[str, RGB]:
    """The first colour named for each part: "green eyes", "dark skin", "blue jacket"."""
    found: dict[str, RGB] = {}
    for i, word in enumerate(words):
        part = lx.PARTS.get(word)
        if part is None or part in found:
            continue
        for j in range(i - 1, max(-1, i - 1 - _LOOKBACK), -1):
            if not words[j].isalpha() or words[j] in lx.PARTS:
                break
            if _is_colour(words[j]):
                modifier = words[j - 1] if j > 0 and words[j - 1] in lx.TONES else None
                found[part] = _read_colour(part, words[j], modifier)
                break
    for word, colour in (("blonde", "blonde"), ("blond", "blonde"), ("redhead", "red"),
                         ("brunette", "brown"), ("ginger", "ginger")):
        if word in words and "hair" not in found:
            found["hair"] = _read_colour("hair", colour, None)
    return found


def _read_colour(part: str, word: str, modifier: str | None) -> RGB:
    readings = {"skin": lx.SKIN_READINGS, "hair": lx.HAIR_READINGS,
                "eyes": lx.EYE_READINGS}.get(part, lx.OTHER_READINGS)
    colour = readings.get(word) or lx.COLOURS.get(word) or lx.OTHER_READINGS["dark"]
    if modifier in ("dark", "deep"):
        return scale(colour, 0.6)
    if modifier in ("light", "pale", "fair"):
        return lighten(colour, 0.45)
    if modifier == "bright":
        return saturate(lighten(colour, 0.1), 1.3)
    return colour


def _loose_colours(words: list[str]) -> tuple[RGB, ...]:
    parts = set(lx.PARTS)
    loose: list[RGB] = []
    for i, word in enumerate(words):
        if word not in lx.COLOURS or any(w in parts for w in words[i + 1:i + 1 + _LOOKBACK]):
            continue
        colour = lx.COLOURS[word]
        if colour not in loose:
            loose.append(colour)
    return tuple(loose[:4])


def _negated(words: list[str], i: int) -> bool:
    for j in range(i - 1, max(-1, i - 3), -1):
        if not words[j].isalpha():
            return False
        if words[j] in lx.NEGATORS:
            return True
    return False


def _accessories(words: list[str], banned: set[str]) -> frozenset[str]:
    found = set()
    for name, keys in lx.ACCESSORIES.items():
        if banned.intersection(keys):
            continue
        if any(w in keys and not _negated(words, i) for i, w in enumerate(words)):
            found.add(name)
    if "sunglasses" in words and "glasses" in found:
        found.add("sunglasses")
    if "shaven" in words or "beardless" in words:
        found -= {"beard", "moustache", "stubble"}
    return frozenset(found)


def _hair_style(words: list[str], banned: set[str]) -> str | None:
    for i, word in enumerate(words):
        style = lx.HAIR_STYLES.get(word)
        if style is None or _negated(words, i) or word in banned:
            continue
        near_hair = any(w in ("hair", "haired") for w in words[i + 1:i + 1 + _LOOKBACK])
        if word in lx.STANDALONE_STYLES or near_hair:
            return style
    return None


def _expression(words: list[str], banned: set[str]) -> str | None:
    present = set(words)
    for name, keys in lx.EXPRESSIONS:
        if present.intersection(keys) and not banned.intersection(keys):
            return name
    return None


def _framing(framing_words: list[str], words: list[str]) -> str:
    for text, strict in ((framing_words, False), (words, True)):
        joined = f" {' '.join(w for w in text if w.isalpha())} "
        for name, phrases in (("full", _FULL), ("bust", _BUST), ("icon", _ICON)):
            if any(f" {p} " in joined for p in phrases):
                return name
        if not strict and " face " in joined:
            return "icon"
    return "bust"


def _is_scene(words: list[str], banned: set[str], framing_words: list[str]) -> bool:
    """A backdrop: people are excluded, or the framing asks for a scene, or scene words
    appear and nothing asks for a portrait."""
    if banned & lx.UNWANTED_PEOPLE:
        return True
    if any(w in lx.PEOPLE_WORDS and _negated(words, i) for i, w in enumerate(words)):
        return True

    def scene_words(ws: list[str]) -> bool:  # "Setting: ..." is a label, not a request
        return any(w in lx.SCENE_WORDS and ws[i + 1:i + 2] != [":"] for i, w in enumerate(ws))

    if scene_words(framing_words):
        return True
    joined = f" {' '.join(w for w in words if w.isalpha())} "
    person = ("portrait", "portraits", *_FULL, *_BUST, *_ICON)
    return scene_words(words) and not any(f" {p} " in joined for p in person)
