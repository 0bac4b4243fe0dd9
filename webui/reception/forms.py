"""The reception area's forms: the fields each one sends (names as the
service layer's error paths)."""

from __future__ import annotations

HUNT_FIELDS = {"strategy": "raw", "ring_time": "raw", "cycles": "raw", "forwards_allowed": "raw",
               "voicemail": "opt", "hold_music": "hold"}


CYCLES = list(range(1, 11))
KEY_ORDER = tuple("1234567890")  # as the manual's table lists them


IVR_FIELDS = ("pre_answer", "menu", "fallback", *(f"keys.{d}" for d in KEY_ORDER))
