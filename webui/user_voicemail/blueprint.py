"""The ``voicemail`` blueprint (greetings and messages, §4.3)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("voicemail", __name__, url_prefix="/voicemail")
