"""The CJK font the charts render with: Noto Sans CJK TC Regular (SIL Open Font License
1.1), shipped inside the Python package `cvttf_NotoSansCJK_Regular`. It is found through
the package, never among the system's fonts, so a chart looks the same on every machine."""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
from pathlib import Path

from matplotlib import font_manager

FONT_PACKAGE = "cvttf_NotoSansCJK_Regular"
FONT_FILE = "NotoSansCJKtc-Regular.otf"


def font_path() -> Path:
    """The font file inside its package."""
    if importlib.util.find_spec(FONT_PACKAGE) is None:
        raise RuntimeError(
            f"the CJK font package {FONT_PACKAGE} is not installed (`make install` installs it)"
        )
    path = Path(str(importlib.resources.files(FONT_PACKAGE) / FONT_FILE))
    if not path.is_file():
        raise RuntimeError(f"{FONT_FILE} is missing from the package {FONT_PACKAGE}")
    return path


@functools.cache
def cjk_font_family() -> str:
    """Register the font with matplotlib (once) and return its family name."""
    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


EMBEDDED_FAMILY = "ComputeWeeklyCJK"


def embedded_font_css(text: str) -> str:
    """An @font-face rule carrying the font, cut down to the characters of `text`, inline.

    The report is one self-contained file: a browser without CJK fonts still shows its
    Chinese text. Only the glyphs it may use are kept (a few hundred, not the font's
    65,000). Cutting the font takes most of a second, and the weeks of a backfill mostly
    use the same characters, so each set of characters is cut once per process. The
    characters of the names in the seeds (companies, sites, apps) and of the report's own
    wording (its modules' source) are always kept: a name entering a top list, or a note
    shown some weeks only, then does not cut the font anew."""
    return _font_css_for("".join(sorted(set(text) | _always_kept_characters())))


@functools.cache
def _always_kept_characters() -> frozenset[str]:
    """Every character of the seed CSVs the report's names come from, and of the report
    package's modules (its titles, notes and headline sentences)."""
    from orchestration.settings import SEEDS_DIR

    sources = [SEEDS_DIR / f"{name}.csv" for name in ("watchlist", "sites", "apps")]
    sources += sorted(Path(__file__).parent.glob("*.py"))
    found: set[str] = set()
    for path in sources:
        if path.is_file():
            found |= set(path.read_text(encoding="utf-8"))
    return frozenset(found - {"\n", "\r"})


@functools.lru_cache(maxsize=64)
def _font_css_for(characters: str) -> str:
    import base64
    import io

    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(font_path()), options, lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'@font-face {{ font-family: "{EMBEDDED_FAMILY}"; '
        f'src: url(data:font/otf;base64,{data}) format("opentype"); }}'
    )
