"""The ``audio`` blueprint (audio files, §3.7.4)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audio", __name__, url_prefix="/reception/audio")
