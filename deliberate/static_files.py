"""Static files, served from memory, compressed once, and kept by browsers for a year.

There are a handful of small files (the stylesheet, the vote script, the icon), so each
process reads them at start-up, with their Brotli and gzip encodings. Each URL carries a
hash of the file's content (`/static/style.css?v=3f2a9c81d0e4`): a new release changes the
URL of what changed and nothing else, so a phone on a slow link never re-checks a file it
already has. A URL without the current hash (an old page, a typed address) is answered too,
but must be checked again on each use.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Flask, Response, abort, request

IMMUTABLE = "public, max-age=31536000, immutable"
#: Worth compressing: text. Below this size, compression saves nothing.
COMPRESSIBLE = ("text/", "application/javascript", "image/svg+xml")
MIN_SIZE = 500


@dataclass(frozen=True)
class StaticFile:
    mimetype: str
    hash: str
    #: The file's bytes by content coding: "identity", and "br" and "gzip" when they help.
    encodings: dict[str, bytes]


def register(app: Flask, folder: Path) -> None:
    files = {name: load(path) for name, path in walk(folder)}

    def static(filename: str):
        found = files.get(filename)
        if found is None:
            abort(404)
        encoding = next((e for e in ("br", "gzip") if e in found.encodings and accepts(e)), None)
        response = Response(found.encodings[encoding or "identity"], mimetype=found.mimetype)
        if encoding:
            response.headers["Content-Encoding"] = encoding
        if len(found.encodings) > 1:
            response.vary.add("Accept-Encoding")
        response.set_etag(found.hash, weak=True)
        hashed = request.args.get("v") == found.hash
        response.headers["Cache-Control"] = IMMUTABLE if hashed else "no-cache"
        return response.make_conditional(request)

    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static)

    @app.url_defaults
    def add_content_hash(endpoint, values):
        if endpoint == "static" and values.get("filename") in files:
            values["v"] = files[values["filename"]].hash


def walk(folder: Path):
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path.relative_to(folder).as_posix(), path


def load(path: Path) -> StaticFile:
    body = path.read_bytes()
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    encodings = {"identity": body}
    if mimetype.startswith(COMPRESSIBLE) and len(body) >= MIN_SIZE:
        encodings["br"] = brotli.compress(body, quality=11)
        encodings["gzip"] = gzip.compress(body, compresslevel=9, mtime=0)
    return StaticFile(mimetype, hashlib.sha256(body).hexdigest()[:12], encodings)


def accepts(encoding: str) -> bool:
    return bool(request.accept_encodings[encoding])
