from flask import Blueprint

#: One blueprint for the results area: the report and its charts (views.py) and the
#: downloads (export_views.py).
bp = Blueprint("results", __name__)
