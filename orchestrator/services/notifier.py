"""Where a committed change reaches the engine.

The service layer calls :meth:`ServiceContext.changed` for every tenant it
touches; after the transaction commits, each distinct tenant is handed once to
the notifier. The default notifier only records; the apply subsystem plugs in
a notifier that enqueues an apply job (coalesced per tenant).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def tenants_changed(self, tenant_ids: list[int]) -> None: ...


class RecordingNotifier:
    """Keeps what it was told: for tests, and for the CLI when nothing listens."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def tenants_changed(self, tenant_ids: list[int]) -> None:
        self.calls.append(list(tenant_ids))


class CallbackNotifier:
    """Calls ``callback(tenant_id)`` for each changed tenant; logs failures,
    which never undo a committed change (a resync repairs a missed apply)."""

    def __init__(self, callback: Callable[[int], None]) -> None:
        self.callback = callback

    def tenants_changed(self, tenant_ids: list[int]) -> None:
        for tid in tenant_ids:
            try:
                self.callback(tid)
            except Exception:  # noqa: BLE001 - reported, the change itself stands
                log.exception("notify failed", extra={"tenant_id": tid})
