"""Security headers on every response.

The pages need nothing from elsewhere and run no inline script or style (charts are SVG
with presentation attributes), so the policy can be strict: everything from this site,
nothing framed, no plugins, forms posted only here, and no <base> to redirect links.
"""

from flask import Flask, g, request
from flask_login import current_user

from .models import Audience, Debate

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.after_request(keep_private)
    app.after_request(ask_not_to_index)


def unindexed_if_unlisted(debate: Debate) -> None:
    """An unlisted debate's pages (and API answers) are for the people given its link, a
    private one's for its members and guests: neither belongs in a search engine."""
    if debate.audience is not Audience.PUBLIC:
        g.noindex = True


def ask_not_to_index(response):
    """Pages for the people given a link (an unlisted debate's) stay out of search engines;
    the HTML says so too (base.html), which is what a cached copy carries."""
    if g.get("noindex"):
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def add_security_headers(response):
    # Behind a proxy, is_secure needs DELIBERATE_TRUSTED_PROXIES.
    for name, value in security_headers(request.is_secure):
        response.headers.setdefault(name, value)
    return response


def security_headers(secure: bool) -> list[tuple[str, str]]:
    """`secure`: whether the request came over HTTPS."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),  # for browsers without frame-ancestors
    ]
    return [*headers, ("Strict-Transport-Security", HSTS)] if secure else headers


def keep_private(response):
    """A signed-in person's page (inbox, account, review queue...) is theirs alone: no
    browser or proxy cache may keep it for the next person at a shared device."""
    if request.endpoint != "static" and current_user and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
        response.headers.add("Vary", "Cookie")
    return response
