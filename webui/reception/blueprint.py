"""The ``reception`` blueprint (« Mon standard »)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reception", __name__, url_prefix="/reception")
