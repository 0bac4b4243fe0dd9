"""The ``calls`` blueprint (the user's call log, click-to-call, SMS)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calls", __name__, url_prefix="/me/calls")
