"""User text to safe HTML: CommonMark with raw HTML escaped, then sanitised by nh3."""

import re
from html import unescape

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

# html=False escapes raw HTML instead of passing it through. Images are off: a remote image
# would tell a third party who reads the debate, and our pages make no third-party request.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")

_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render_markdown(source: str) -> Markup:
    html = _markdown.render(source)
    # Headings from user text would compete with the page's own: demote them all.
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above  # nosec B704


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def excerpt(html: str, limit: int) -> Markup | None:
    """The start of sanitised HTML as plain text, cut at a word before `limit` characters
    and ended with "…"; None when the whole text is short enough to show as it is. Lists
    show excerpts: a page stays small however long the arguments are."""
    text = _SPACE.sub(" ", unescape(_TAG.sub(" ", html))).strip()
    if len(text) <= limit:
        return None
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.-–—")
    return escape(cut) + Markup("…")
