"""The standard hold-music catalogue (M-3), shared by every tenant.

The tracks are royalty-free and made by this project (synthesised with sox,
see ``orchestrator media build-catalogue`` once the media pipeline lands);
the names are the stable keys that lines and hunt groups refer to.
"""

from __future__ import annotations

CATALOGUE: dict[str, str] = {
    "ambiance_electro": "Ambiance électro (synthesised pad, 60 s loop)",
    "mambo": "Mambo (synthesised percussion, 60 s loop)",
    "classique": "Classique (synthesised arpeggio, 60 s loop)",
    "calme": "Calme (soft synthesised chords, 60 s loop)",
}


def is_catalogue_track(name: str) -> bool:
    return name in CATALOGUE
