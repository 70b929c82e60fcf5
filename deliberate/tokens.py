"""CSRF tokens masked afresh in every response, against BREACH.

Pages are compressed, and a signed-in visitor's pages hold a secret (the CSRF token) next to
text others wrote. An attacker who can make the victim's browser request a page many times,
each with text of their choosing, and who can watch the size of the encrypted responses,
could learn the secret a character at a time from how well it compresses with their text
(BREACH). The defence Django and Rails use: never send the same token bytes twice. Each
response carries `m.` + base64(pad + token XOR pad) with a fresh random pad, so the bytes on
the wire change on every response while the token they unmask to stays valid. Forms post the
masked value back; the request unmasks it before Flask-WTF checks it.

Masking happens on the way out, over the whole HTML page, so every place a token is written
(forms, `csrf_token()`, the vote form) is covered, including any added later.
"""

from __future__ import annotations

import base64
import secrets

from flask import Flask, Request, g

PREFIX = "m."
FIELD = "csrf_token"


def mask(token: str) -> str:
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    masked = (int.from_bytes(raw, "big") ^ int.from_bytes(pad, "big")).to_bytes(len(raw), "big")
    return PREFIX + base64.urlsafe_b64encode(pad + masked).decode().rstrip("=")


def unmask(value: str) -> str:
    """The token a masked value stands for; anything else unchanged (and then refused by
    the CSRF check as it stands)."""
    if not value.startswith(PREFIX):
        return value
    encoded = value[len(PREFIX) :]
    try:
        data = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError:
        return value
    half = len(data) // 2
    if len(data) % 2 or half == 0:
        return value
    pad, masked = data[:half], data[half:]
    raw = (int.from_bytes(masked, "big") ^ int.from_bytes(pad, "big")).to_bytes(half, "big")
    return raw.decode("latin-1")


class UnmaskingRequest(Request):
    """A request whose posted CSRF token is unmasked as the form is parsed."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        # "csrf_token", or "<prefix>-csrf_token" for a form with a prefix (several on a page).
        # A forged multipart part may come without a name (None): never a token field.
        fields = [
            key
            for key in self.form
            if isinstance(key, str) and (key == FIELD or key.endswith(f"-{FIELD}"))
        ]
        if any(v.startswith(PREFIX) for key in fields for v in self.form.getlist(key)):
            form = self.form.to_dict(flat=False)
            for key in fields:
                form[key] = [unmask(v) for v in form[key]]
            self.__dict__["form"] = self.parameter_storage_class(form)


def mask_tokens(response):
    """Replace this request's token in the page by a masked copy."""
    token = g.get(FIELD)
    if token and response.mimetype == "text/html" and not response.direct_passthrough:
        body = response.get_data()
        raw = token.encode()
        if raw in body:
            response.set_data(body.replace(raw, mask(token).encode()))
    return response


def register(app: Flask) -> None:
    app.request_class = UnmaskingRequest
    app.after_request(mask_tokens)
