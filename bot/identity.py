"""The département's own look: colour, logo and font, read from departement.yml (`identity`).

A département is not a State service: the Marianne, the State's logo ("bloc-marque") and the
Marianne font are reserved to the State, so the default look is neutral (a dark blue, the
département's name as text, the system font). Colours must keep text readable: the colour is
used for links and buttons on white, so it needs a 4.5:1 contrast (WCAG 1.4.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_COLOUR = "#1f4e79"
DEFAULT_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif'
MIN_CONTRAST = 4.5
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_FONT = re.compile(r"^[\w\s,\"'-]+$")  # font names and quotes only: it goes into CSS


@dataclass(frozen=True)
class Identity:
    colour: str = DEFAULT_COLOUR
    font: str = DEFAULT_FONT
    logo: Path | None = None  # an SVG or PNG file; None: the name as text


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_on_white(colour: str) -> float:
    return 1.05 / (_luminance(colour) + 0.05)


def parse_identity(raw: Any, folder: Path) -> Identity:
    """The `identity` mapping of departement.yml; ValueError (English) naming what is wrong."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ValueError("'identity' must be a mapping")
    colour = str(raw.get("colour") or DEFAULT_COLOUR)
    if not _HEX.match(colour):
        raise ValueError(f"identity.colour must be #rrggbb, got {colour!r}")
    if contrast_on_white(colour) < MIN_CONTRAST:
        raise ValueError(
            f"identity.colour {colour} has a contrast of {contrast_on_white(colour):.1f}:1 on "
            f"white; links and buttons need {MIN_CONTRAST}:1"
        )
    font = str(raw.get("font") or DEFAULT_FONT)
    if not _FONT.match(font):
        raise ValueError("identity.font: font names, commas and quotes only")
    logo = None
    if raw.get("logo"):
        logo = (folder / str(raw["logo"])).resolve()
        if logo.suffix.lower() not in (".svg", ".png") or not logo.is_file():
            raise ValueError(f"identity.logo: no SVG or PNG file at {logo}")
    return Identity(colour=colour, font=font, logo=logo)
