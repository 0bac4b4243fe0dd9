"""The standard hold-music catalogue (M-3): the stable keys lines and hunt
groups refer to, with their titles. :mod:`orchestrator.media.catalogue`
synthesises the tracks."""

from __future__ import annotations

CATALOGUE: dict[str, str] = {
    "ambiance_electro": "Ambiance électro (synthesised pad, 60 s loop)",
    "mambo": "Mambo (synthesised percussion, 60 s loop)",
    "classique": "Classique (synthesised arpeggio, 60 s loop)",
    "calme": "Calme (soft synthesised chords, 60 s loop)",
}
