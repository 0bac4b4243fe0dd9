"""Known phone models: line ports and console support (E-2..E-4)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PhoneModel:
    brand: str
    name: str
    ports: int
    consoles: bool  # accepts SPA500S / SPA932 consoles


MODELS: dict[str, PhoneModel] = {m.name: m for m in (
    PhoneModel("cisco", "SPA301", 1, False),
    PhoneModel("cisco", "SPA303", 3, False),
    PhoneModel("cisco", "SPA502G", 1, True),
    PhoneModel("cisco", "SPA504G", 4, True),
    PhoneModel("cisco", "SPA508G", 8, True),
    PhoneModel("cisco", "SPA509G", 12, True),
    PhoneModel("cisco", "SPA525G", 5, True),
    PhoneModel("cisco", "SPA942", 4, False),
    PhoneModel("cisco", "SPA962", 6, True),
    PhoneModel("cisco", "SPA112", 2, False),
    PhoneModel("yealink", "T46S", 16, False),
    PhoneModel("yealink", "T42S", 12, False),
)}

KEYS_PER_CONSOLE = 32
