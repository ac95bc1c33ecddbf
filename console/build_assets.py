"""Copy the few DSFR files the console serves from node_modules into console/static/dsfr.

Build-time only (`make console-assets`): the copied files are committed, so running the console
needs neither npm nor the network. Only what the pages use is kept: the minified CSS and module JS,
the Marianne woff2 fonts, the icons the CSS itself points at, and a small icon subset.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIST = HERE / "node_modules" / "@gouvfr" / "dsfr" / "dist"
TARGET = HERE / "static" / "dsfr"

# Utility icon classes the templates use (fr-icon-…); the CSS of the rest is left out.
ICONS = (
    "account-circle-line",
    "alarm-warning-line",
    "bar-chart-box-line",
    "chat-3-line",
    "download-line",
    "file-text-line",
    "list-unordered",
    "lock-line",
    "logout-box-r-line",
    "phone-line",
    "search-line",
    "team-line",
    "time-line",
    "user-line",
)
_CORE_URL = re.compile(r"url\((icons/[^)]+\.svg)\)")


def _icon_rule(css: str, name: str) -> tuple[str, str]:
    """The mask-image rule of one utility icon, rewritten to point inside TARGET."""
    cls = re.escape(f".fr-icon-{name}")
    pattern = re.compile(
        cls + r":after," + cls + r":before\{-webkit-mask-image:url\(\.\./\.\./(icons/[^)]+)\);"
    )
    match = pattern.search(css)
    if not match:
        raise SystemExit(f"build_assets: icon fr-icon-{name} not found in the DSFR utility CSS")
    path = match.group(1)
    rule = (
        f".fr-icon-{name}:after,.fr-icon-{name}:before"
        f"{{-webkit-mask-image:url({path});mask-image:url({path})}}"
    )
    return rule, path


def _copy(relative: str) -> None:
    destination = TARGET / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DIST / relative, destination)


def main() -> int:
    if not DIST.is_dir():
        print("build_assets: run `npm ci --ignore-scripts` in console/ first", file=sys.stderr)
        return 1
    if TARGET.exists():
        shutil.rmtree(TARGET)
    TARGET.mkdir(parents=True)
    core_css = (DIST / "dsfr.min.css").read_text(encoding="utf-8")
    for relative in ("dsfr.min.css", "dsfr.module.min.js", "favicon/favicon.svg"):
        _copy(relative)
    shutil.copyfile(DIST.parent / "LICENSE.md", TARGET / "LICENSE.md")
    for font in sorted((DIST / "fonts").glob("*.woff2")):
        _copy(f"fonts/{font.name}")
    for icon in sorted(set(_CORE_URL.findall(core_css))):
        _copy(icon)
    utility_css = (DIST / "utility" / "icons" / "icons.min.css").read_text(encoding="utf-8")
    rules = []
    for name in ICONS:
        rule, path = _icon_rule(utility_css, name)
        rules.append(rule)
        _copy(path)
    header = "/* DSFR icon subset used by the console (Etalab-2.0, see LICENSE.md) */\n"
    (TARGET / "icons.css").write_text(header + "\n".join(rules) + "\n", encoding="utf-8")
    files = [p for p in TARGET.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    print(f"build_assets: {len(files)} files, {size / 1024:.0f} KiB in {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
