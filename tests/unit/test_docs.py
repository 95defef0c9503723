"""The documentation a newcomer reads: a README short enough to read in ten minutes, the
rest in `docs/`, every link resolving, nothing pointing outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = sorted([README, *(ROOT / "docs").glob("*.md"), ROOT / "benchmarks" / "README.md"])
LINK = re.compile(r"\]\(([^)\s]+)\)")


def heading_anchors(text: str) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces to
    hyphens."""
    anchors = set()
    for line in text.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def test_the_readme_reads_in_ten_minutes() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < 15_000
    for section in ("## Quick start", "## Using it", "## Configuration", "## Read more"):
        assert section in text
    assert "**Contents:**" in text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_of_the_docs_resolves(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target} does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in heading_anchors(linked.read_text(encoding="utf-8")), (
                f"{page.name}: {target} names no heading of {linked.name}"
            )


def test_the_readme_links_every_page_of_the_docs() -> None:
    text = README.read_text(encoding="utf-8")
    for page in (ROOT / "docs").glob("*.md"):
        assert f"(docs/{page.name})" in text, f"README links no docs/{page.name}"


def test_nothing_tracked_points_at_the_shared_folder_of_the_providers_contracts() -> None:
    """The providers' contracts are docs/providers.md; nothing the project ships cites a
    file outside the repository for them."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    kinds = {".py", ".md", ".sql", ".yml", ".yaml", ".toml"}
    for name in tracked:
        path = ROOT / name
        if path.suffix not in kinds or not path.is_file() or path == Path(__file__):
            continue  # this file names what it looks for
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "CONTRACTS.md" not in text and "shared/providers" not in text, name


def test_the_readme_says_which_font_shows_chinese_in_the_ui() -> None:
    text = README.read_text(encoding="utf-8")
    assert "fonts-noto-cjk" in text and "make docs" in text
