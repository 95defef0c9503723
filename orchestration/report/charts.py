"""The report's charts as PNG bytes, drawn with matplotlib's Agg canvas (no pyplot, no
global figure state).

Deterministic for the same data: fixed size and resolution, the bundled CJK font only,
and no Software tag or timestamp in the PNG. The charts the page embeds carry no title
(the page prints it above, as in the seed report); the standalone files under
`reports/<date>/` carry their exhibit title and source (`standalone_png`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from orchestration.report.fonts import cjk_font_family, font_path
from orchestration.report.series import DownloadsGrid, Line, PriceLine

FIGSIZE = (10.0, 5.0)  # inches
DPI = 120  # 1200 x 600 pixels
PIXELS = (int(FIGSIZE[0] * DPI), int(FIGSIZE[1] * DPI))
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
LEADER_RATIO = 4.0  # a leading line this many times the next one gets a panel of its own
INCOMPLETE = "非完全统计"
NO_DATA = "暂无数据"


def _style() -> dict:
    return {
        "font.family": [cjk_font_family()],
        "font.size": 10,
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "svg.hashsalt": "compute-weekly",
        "path.simplify": True,
    }


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


TITLE_BAND, SOURCE_BAND = 48, 34  # pixels above and below a standalone chart


def standalone_png(png: bytes, title: str, source: str) -> bytes:
    """A chart as its own file: the drawn chart with its exhibit title above and its source
    below, in the report's font (the page prints both around the chart instead), and the
    title in the PNG's Title text too. Composed with Pillow, not drawn again."""
    chart = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = chart.size
    framed = Image.new("RGB", (width, TITLE_BAND + height + SOURCE_BAND), "white")
    framed.paste(chart, (0, TITLE_BAND))
    draw = ImageDraw.Draw(framed)
    path = str(font_path())
    draw.text((16, 12), title, fill="#222222", font=ImageFont.truetype(path, 22))
    draw.text(
        (16, TITLE_BAND + height + 8), source, fill="#666666", font=ImageFont.truetype(path, 14)
    )
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", title)
    buffer = io.BytesIO()
    framed.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def _figure() -> Figure:
    return Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")


def _in_10k(axis) -> None:
    axis.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:,.0f}"))
    axis.set_ylabel("万次")


def _no_data(figure: Figure) -> None:
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.text(0.5, 0.5, NO_DATA, ha="center", va="center", fontsize=16, color="#888888")


def _draw(axes, line: Line, colour: str, label: str, width: float):
    """The line, with its partial weeks as hollow points."""
    (handle,) = axes.plot(line.weeks, line.visits_10k, color=colour, linewidth=width, label=label)
    partial = [
        (week, value)
        for week, value, p in zip(line.weeks, line.visits_10k, line.partial, strict=True)
        if p
    ]
    if partial:
        weeks, values = zip(*partial, strict=True)
        axes.scatter(weeks, values, s=22, facecolors="white", edgecolors=colour, zorder=3)
    return handle


def split_leader(lines: Sequence[Line]) -> tuple[list[Line], Line | None]:
    """The lines for the main panel and, if the first line dwarfs the others (ChatGPT among
    text sites: over LEADER_RATIO times the next one's peak), that line for its own panel."""
    if len(lines) < 2:
        return list(lines), None
    peaks = [max(line.visits_10k, default=0.0) for line in lines]
    if peaks[0] > LEADER_RATIO * max(peaks[1:]):
        return list(lines[1:]), lines[0]
    return list(lines), None


def traffic_chart(lines: Sequence[Line]) -> bytes:
    """Weekly visits of the given sites as lines, in 万次 (`traffic_figure`)."""
    with matplotlib.rc_context(_style()):
        return _png(traffic_figure(lines))


def traffic_figure(lines: Sequence[Line]) -> Figure:
    """Weekly visits as lines, in 万次; a partial week as a hollow point. A leader that
    dwarfs the others (ChatGPT among text sites) gets a panel of its own above them, with
    its own scale: on a second axis over the same plot it would look the size of a site a
    tenth of it."""
    figure = _figure()
    if not lines:
        _no_data(figure)
        return figure
    others, leader = split_leader(lines)
    colours = iter(PALETTE)
    handles = []
    if leader is not None:
        top, axes = figure.subplots(2, 1, sharex=True, height_ratios=(1, 2))
        handles.append(_draw(top, leader, next(colours), leader.name, 2.0))
        _panel(top, f"万次（{leader.name}）")
        top.tick_params(axis="x", labelbottom=False)
    else:
        axes = figure.add_subplot()
    for line in others:
        handles.append(_draw(axes, line, next(colours), line.name, 1.6))
    if any(any(line.partial) for line in lines):
        handles.append(
            Line2D([], [], linestyle="none", marker="o", markerfacecolor="white",
                   markeredgecolor="#555555", label="不完整周（不足 7 天）")
        )  # fmt: skip
    _panel(axes, "万次" if leader is None else "万次（其余网站）")
    axes.xaxis.set_major_locator(mdates.MonthLocator())
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    for label in axes.get_xticklabels():
        label.set_rotation(45)
        label.set_horizontalalignment("right")
    figure.legend(
        handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False
    )
    return figure


def _panel(axes, label: str) -> None:
    _in_10k(axes)
    axes.set_ylabel(label)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    axes.set_axisbelow(True)


CONDITION_COLOURS = {"new": "#1f77b4", "used": "#d62728"}  # blue new, red used, as the seed
PRODUCT_STYLES = ("-", "--", ":", "-.")


def gpu_chart(lines: Sequence[PriceLine]) -> bytes:
    """Weekly prices in USD of a family's cards: blue new, red used, a line style per card."""
    with matplotlib.rc_context(_style()):
        figure = _figure()
        if not lines:
            _no_data(figure)
            return _png(figure)
        axes = figure.add_subplot()
        products = list(dict.fromkeys(line.product for line in lines))
        for line in lines:
            style = PRODUCT_STYLES[products.index(line.product) % len(PRODUCT_STYLES)]
            label = f"{line.product}（{'新品' if line.condition == 'new' else '二手'}）"
            axes.plot(line.weeks, line.prices_usd, color=CONDITION_COLOURS.get(line.condition),
                      linestyle=style, linewidth=1.8, label=label)  # fmt: skip
        axes.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:,.0f}"))
        axes.set_ylabel("美元")
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", color="#e5e5e5", linewidth=0.8)
        axes.set_axisbelow(True)
        axes.xaxis.set_major_locator(mdates.MonthLocator())
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        for label in axes.get_xticklabels():
            label.set_rotation(45)
            label.set_horizontalalignment("right")
        figure.legend(loc="outside lower center", ncols=min(len(lines), 2), frameon=False)
        return _png(figure)


def downloads_chart(grid: DownloadsGrid) -> bytes:
    """Monthly downloads as grouped bars (one group per month, one bar per app), in 万次.
    A bar of an incomplete month is lighter and hatched, and such a month is labelled
    非完全统计 above its bars."""
    with matplotlib.rc_context(_style()):
        figure = _figure()
        if not grid.apps or not grid.months:
            _no_data(figure)
            return _png(figure)
        axes = figure.add_subplot()
        count = len(grid.apps)
        width = 0.8 / count
        handles = []
        for j, (bars, colour) in enumerate(zip(grid.apps, PALETTE, strict=False)):
            offset = (j - (count - 1) / 2) * width
            for i, value in enumerate(bars.downloads_10k):
                if value is None:
                    continue
                complete = bars.complete[i]
                axes.bar(
                    i + offset, value, width=width * 0.92,
                    color=colour, alpha=1.0 if complete else 0.4,
                    hatch=None if complete else "///", edgecolor=colour, linewidth=0.8,
                )  # fmt: skip
            handles.append(Patch(facecolor=colour, edgecolor=colour, label=bars.name))
        incomplete = set(grid.incomplete_months)
        for i, month in enumerate(grid.months):
            if month in incomplete:
                top = max((b.downloads_10k[i] or 0.0) for b in grid.apps)
                axes.annotate(
                    INCOMPLETE, (i, top), xytext=(0, 6), textcoords="offset points",
                    ha="center", va="bottom", color="#555555",
                )  # fmt: skip
        if incomplete:
            handles.append(
                Patch(facecolor="#bbbbbb", edgecolor="#777777", hatch="///", label=INCOMPLETE)
            )
        axes.set_xticks(range(len(grid.months)), [f"{m:%Y-%m}" for m in grid.months])
        _in_10k(axes)
        axes.set_ylim(0, axes.get_ylim()[1] * 1.08)
        axes.grid(axis="y", color="#e5e5e5", linewidth=0.8)
        axes.set_axisbelow(True)
        figure.legend(
            handles=handles, loc="outside lower center", ncols=min(len(handles), 6),
            frameon=False,
        )  # fmt: skip
        return _png(figure)
