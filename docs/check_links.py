"""Check every internal link of the built HTML documentation, offline.

Every ``href`` and ``src`` of every page that points inside the site must
name a file that was built and, when it has a ``#fragment``, an element with
that ``id`` on the target page. Links to other sites are listed (``-v``) but
not fetched: the docs are built and checked without the network. References
between pages and to other projects are already checked when they are
written, by the nitpicky (``-n``) Sphinx build.

Usage::

    python docs/check_links.py docs/_build/html [-v]

Exits 1 and lists each broken link with the page it is on.
"""

import argparse
import sys
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Page(HTMLParser):
    """Collect the ids and the outgoing links of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])


def check(root):
    """Return the broken internal links, the external URLs and the page count.

    Parameters
    ----------
    root : pathlib.Path
        The HTML output folder.

    Returns
    -------
    broken : list of str
        One line per broken link: the page, the link and what is missing.
    external : dict of str to set of str
        Each external URL mapped to the pages that link to it.
    n_pages : int
        Number of pages checked.
    """
    pages = {}
    for path in sorted(root.rglob("*.html")):
        if path.relative_to(root).parts[0] in ("_static", "_sources"):
            continue  # theme templates and page sources, not pages
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path.resolve()] = parser
    broken, external = [], defaultdict(set)
    for path, page in pages.items():
        where = path.relative_to(root.resolve())
        for link in page.links:
            url = urlsplit(link)
            if url.scheme in ("http", "https"):
                external[link].add(str(where))
                continue
            if url.scheme or link.startswith("//"):  # mailto:, data:, ...
                continue
            target = (path.parent / unquote(url.path)).resolve() if url.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{where}: {link} (no file {target.name})")
                continue
            fragment = unquote(url.fragment)
            if fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if fragment not in ids:
                    broken.append(f"{where}: {link} (no id {fragment!r})")
    return broken, external, len(pages)


def main(argv=None):
    """Check the site and print the result; exit 1 on a broken link."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="the HTML output folder")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list the external links"
    )
    args = parser.parse_args(argv)
    if not (args.root / "index.html").is_file():
        parser.error(f"{args.root} has no index.html: build the docs first")
    broken, external, n_pages = check(args.root)
    if args.verbose:
        for url, where in sorted(external.items()):
            print(f"external (not fetched): {url}  <- {len(where)} page(s)")
    for line in broken:
        print(f"broken: {line}", file=sys.stderr)
    print(
        f"{n_pages} pages: {len(broken)} broken internal links, "
        f"{len(external)} external URLs (not fetched)"
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
