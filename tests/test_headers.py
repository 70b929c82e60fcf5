"""Security headers on every kind of response."""

import pytest

from deliberate.headers import CONTENT_SECURITY_POLICY

PAGES = [
    "/",
    "/login",
    "/static/style.css",
    "/api/v1/debates",
    "/no-such-page",
]


@pytest.mark.parametrize("url", PAGES)
def test_strict_headers_everywhere(client, url):
    response = client.get(url)
    response.close()  # a static file is streamed from an open file
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_policy_forbids_inline_script_framing_plugins_and_base():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"


def test_refused_posts_and_report_pages_carry_them_too(client, make_debate):
    debate = make_debate()
    assert "Content-Security-Policy" in client.post("/logout").headers  # CSRF refusal
    assert "Content-Security-Policy" in client.get(f"/d/{debate.slug}/report").headers


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
