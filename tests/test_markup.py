"""User Markdown becomes safe HTML."""

from html.parser import HTMLParser

import pytest

from deliberate.markup import render_markdown


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "![pic](https://tracker.example/pixel.png)",
        "<svg onload=alert(1)>",
        '<iframe src="https://example.org"></iframe>',
    ],
)
def test_dangerous_input_is_neutralised(source):
    elements = parse(render_markdown(source))
    assert {tag for tag, _ in elements} <= {"p", "a"}
    for _tag, attributes in elements:
        assert not any(name.startswith("on") for name in attributes)
        assert not attributes.get("href", "https:").lower().startswith(("javascript:", "data:"))


def parse(html: str) -> list[tuple[str, dict]]:
    """Every element of an HTML fragment, with its attributes, as a browser would see them."""
    elements = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            elements.append((tag, dict(attrs)))

    Collector().feed(html)
    return elements


def test_links_get_rel_and_markdown_still_works():
    html = render_markdown(
        "Read **this** and [the mandate](https://example.org/m).\n\n- one\n- two"
    )
    assert "<strong>this</strong>" in html
    assert '<a href="https://example.org/m" rel="nofollow ugc noopener">the mandate</a>' in html
    assert "<ul>" in html and "<li>one</li>" in html


def test_raw_html_is_shown_as_text():
    assert "&lt;b&gt;bold&lt;/b&gt;" in render_markdown("<b>bold</b>")


def test_headings_are_demoted_below_the_page_title():
    html = render_markdown("# Big\n\n## Smaller")
    assert "<h1>" not in html and "<h2>" not in html and "<h3>Big</h3>" in html
