"""The reference for bench/perf.py: the smallest Flask app, served by gunicorn exactly as
`deliberate serve` serves Deliberate (gthread workers, 4 threads each)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
