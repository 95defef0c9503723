"""The CJK font the charts render with: Noto Sans CJK TC Regular (SIL Open Font License
1.1), shipped inside the Python package `cvttf_NotoSansCJK_Regular`. It is found through
the package, never among the system's fonts, so a chart looks the same on every machine."""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
from pathlib import Path

from matplotlib import font_manager

from orchestration.files import write_cache_file

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
    65,000). Cutting the font takes seconds, so it is done once for every week:
    the characters of everything the report's text comes from are always kept (the seeds'
    names, the release-events file, the exhibit queries' headers and the report's own
    wording), so a week adds none unless its data brings a new one; and the cut font is
    kept on disk (`font_cache_dir()`), so the next run does not cut it again."""
    return _font_css_for("".join(sorted(set(text) | _always_kept_characters())))


def font_cache_dir() -> Path:
    """Where cut fonts are kept: `.cache/fonts/` at the project root, or
    `COMPUTE_WEEKLY_CACHE_DIR`/fonts."""
    from orchestration.settings import cache_dir

    return cache_dir() / "fonts"


@functools.cache
def _always_kept_characters() -> frozenset[str]:
    """Every character of the files the report's text comes from: the seed CSVs (names of
    listings, sectors, sites, apps, GPUs), the release-events file, the exhibit queries
    (their column headers) and the report package's modules (titles, notes, sentences)."""
    from orchestration.feeds.releases.events_file import events_file
    from orchestration.report.sql import QUERIES_DIR
    from orchestration.settings import SEEDS_DIR

    sources = sorted(SEEDS_DIR.glob("*.csv")) + sorted(QUERIES_DIR.glob("*.sql"))
    sources += [events_file(), *sorted(Path(__file__).parent.glob("*.py"))]
    found: set[str] = set()
    for path in sources:
        if path.is_file():
            found |= set(path.read_text(encoding="utf-8"))
    return frozenset(found - {"\n", "\r"})


@functools.lru_cache(maxsize=64)
def _font_css_for(characters: str) -> str:
    import hashlib

    from fontTools import version as fonttools_version

    source = font_path()
    key = hashlib.sha256(
        f"{source.name}:{source.stat().st_size}:{fonttools_version}:{characters}".encode()
    ).hexdigest()[:24]
    cached = font_cache_dir() / f"{key}.css"
    if cached.is_file():
        return cached.read_text(encoding="ascii")
    css = _cut_font_css(source, characters)
    write_cache_file(cached, css.encode("ascii"))
    return css


def _cut_font_css(source: Path, characters: str) -> str:
    import base64
    import io

    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options, lazy=True)
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
