"""The standard hold-music catalogue (M-3), shared by every tenant.

The tracks are royalty-free because this project makes them: each one is
synthesised with sox from the recipe below (``orchestrator media build``);
no recording is shipped. The names are the stable keys lines and hunt groups
refer to. ``build`` also speaks the default announcements with espeak-ng.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..domain.catalogue import CATALOGUE

__all__ = ["CATALOGUE", "DEFAULT_PROMPTS", "build", "is_catalogue_track"]



# sox "synth" recipes: notes of a short loop, each (length s, synth arguments)
_RECIPES: dict[str, list[tuple[float, str]]] = {
    "ambiance_electro": [(0.5, "square C3 square G3"), (0.5, "square A#2 square F3")] * 4,
    "mambo": [(0.25, "pluck C4"), (0.25, "pluck E4"), (0.25, "pluck G4"), (0.25, "pluck C5")] * 4,
    "classique": [(0.4, "sine C4 sine E4"), (0.4, "sine F4 sine A4"), (0.4, "sine G4 sine B4"),
                  (0.4, "sine C4 sine G4")] * 3,
    "calme": [(1.5, "sine A3 sine E4"), (1.5, "sine F3 sine C4")] * 2,
}
DEFAULT_PROMPTS = {
    "announce": "Votre correspondant n'est pas disponible. Merci de rappeler plus tard.",
    "closed": "Nos bureaux sont fermés. Merci de rappeler aux heures d'ouverture.",
}


def is_catalogue_track(name: str) -> bool:
    return name in CATALOGUE


def build(media_dir: Path) -> list[Path]:
    """Synthesise the catalogue (8 kHz mono wav, one directory per stream) and
    the default announcements. Existing files are kept (idempotent)."""
    made = []
    for name, notes in _RECIPES.items():
        target = media_dir / "catalogue" / name / f"{name}.wav"
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        parts = []
        for i, (length, synth) in enumerate(notes):
            part = target.parent / f".part{i}.wav"
            subprocess.run(["sox", "-n", "-r", "8000", "-b", "16", "-c", "1", str(part), "synth", str(length),
                            *synth.split(), "fade", "0.02", str(length), "0.05", "vol", "0.3"],
                           check=True, capture_output=True)
            parts.append(str(part))
        subprocess.run(["sox", *parts, str(target)], check=True, capture_output=True)
        for part_name in parts:
            Path(part_name).unlink()
        made.append(target)
    for name, text in DEFAULT_PROMPTS.items():
        target = media_dir / "defaults" / f"{name}.wav"
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        raw = target.with_suffix(".tts.wav")
        subprocess.run(["espeak-ng", "-v", "fr", "-w", str(raw), text], check=True, capture_output=True)
        subprocess.run(["sox", str(raw), "-r", "8000", "-b", "16", "-c", "1", str(target)], check=True,
                       capture_output=True)
        raw.unlink()
        made.append(target)
    return made
