"""How a tenant's last saved change was handed to apply: queued for the
worker, applied inline (no Redis, or Redis unreachable), or joined to an
apply that was about to read the database. The apply status shows it next
to each node's state (``webui/common/applystatus.py``).

Kept as one small JSON file per tenant under ``<var_dir>/apply/delivery/``:
every process of the host (web workers, RQ workers) reads and writes the
same place, and it needs neither Redis (it says when Redis is away) nor a
database write after the commit.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

QUEUED = "queued"  # an apply job waits for `orchestrator worker`
INLINE = "inline"  # applied by the process that saved (no REDIS_URL)
INLINE_FALLBACK = "inline-fallback"  # REDIS_URL set but the queue unreachable: applied inline
COALESCED = "coalesced"  # joined the apply that waits to run (it reads the database when it starts)


@dataclass
class Delivery:
    mode: str
    note: str | None = None
    at: str = ""


def apply_dir(var_dir: Path) -> Path:
    return Path(var_dir) / "apply"


def record(var_dir: Path, tenant_ids: list[int], mode: str, note: str | None = None) -> None:
    """Remember how these tenants' change was handed over (never raises: the
    change is committed whatever happens here)."""
    entry = Delivery(mode=mode, note=note, at=datetime.now(UTC).isoformat(timespec="seconds"))
    folder = apply_dir(var_dir) / "delivery"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for tid in tenant_ids:
            tmp = folder / f".{tid}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(asdict(entry)))
            os.replace(tmp, folder / f"{tid}.json")
    except OSError as exc:
        log.warning("cannot record how the change was applied", extra={"error": str(exc)})


def last(var_dir: Path, tenant_id: int) -> Delivery | None:
    try:
        data = json.loads((apply_dir(var_dir) / "delivery" / f"{tenant_id}.json").read_text())
        return Delivery(mode=str(data["mode"]), note=data.get("note"), at=str(data.get("at", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
