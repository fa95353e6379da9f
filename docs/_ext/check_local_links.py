"""Check every link between the pages of the built site, without the network.

    python docs/_ext/check_local_links.py docs/_build/html

Each ``href``/``src`` of every HTML page that is not an absolute URL (``http:``, ``mailto:``,
...) must name a file of the build, and its ``#fragment`` an ``id`` in that file. Links to
other sites are not followed. Exit status 1, with one line per broken link, when any is broken.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            elif name in ("href", "src") and value and not (tag == "link" and "search" in value):
                self.links.append(value)


def _parse(path: Path, cache: dict[Path, _Page]) -> _Page:
    if path not in cache:
        page = _Page()
        page.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = page
    return cache[path]


def broken_links(root: Path) -> list[str]:
    cache: dict[Path, _Page] = {}
    broken = []
    for html in sorted(root.rglob("*.html")):
        for link in _parse(html, cache).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("javascript:"):
                continue  # another site: not checked, never fetched
            target = (html.parent / unquote(parts.path)).resolve() if parts.path else html
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{html.relative_to(root)}: {link} (no such file)")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in _parse(target, cache).ids:
                broken.append(f"{html.relative_to(root)}: {link} (no such anchor)")
    return broken


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/_build/html")
    if not (root / "index.html").is_file():
        print(f"{root} holds no built site", file=sys.stderr)
        return 1
    broken = broken_links(root)
    for line in broken:
        print(line, file=sys.stderr)
    pages = sum(1 for _ in root.rglob("*.html"))
    print(f"{pages} pages, {len(broken)} broken local links")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
