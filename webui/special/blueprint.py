"""The ``special`` blueprint (special 08xx numbers, §3.7.2, §3.7.7)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("special", __name__, url_prefix="/special")
