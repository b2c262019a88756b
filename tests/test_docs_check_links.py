"""docs/check_links.py finds broken internal links and anchors, offline."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "docs" / "check_links.py"
spec = importlib.util.spec_from_file_location("check_links", SCRIPT)
check_links = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_links)


def _site(tmp_path, pages):
    for name, html in pages.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<html><body>{html}</body></html>", encoding="utf-8")
    return tmp_path


def test_sound_site(tmp_path):
    root = _site(
        tmp_path,
        {
            "index.html": '<a href="api/a.html#fit">fit</a> <a href="#top">top</a>'
            '<p id="top"></p><a href="https://example.org/x">out</a>',
            "api/a.html": '<dt id="fit"></dt><a href="../index.html">home</a>',
            "_static/theme.html": "<a href=\"{{ pathto('x') }}\">template</a>",
        },
    )
    broken, external, n_pages = check_links.check(root)
    assert broken == []
    assert set(external) == {"https://example.org/x"}
    assert n_pages == 2


def test_broken_file_and_anchor(tmp_path):
    root = _site(
        tmp_path,
        {
            "index.html": '<a href="missing.html">x</a><a href="b.html#nowhere">y</a>',
            "b.html": '<p id="somewhere"></p>',
        },
    )
    broken, _, _ = check_links.check(root)
    assert len(broken) == 2
    assert "missing.html" in broken[0]
    assert "nowhere" in broken[1]
    assert check_links.main([str(root)]) == 1
