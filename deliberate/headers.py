"""Security headers on every response.

The pages need nothing from elsewhere and run no inline script or style (charts are SVG
with presentation attributes), so the policy can be strict: everything from this site,
nothing framed, no plugins, forms posted only here, and no <base> to redirect links.
"""

from flask import Flask, request

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


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
    if request.is_secure:  # behind a proxy, is_secure needs DELIBERATE_TRUSTED_PROXIES
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
