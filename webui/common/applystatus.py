"""Is my change live? (P-3) Per FreeSWITCH node: live (it runs the tenant's
current revision), pending (not yet applied, or written and waiting for a
reload) or failed (the last apply was refused, with FreeSWITCH's reason);
and how the last change was handed over: queued for the worker, applied
inline, or applied inline because the queue was unreachable."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import Blueprint, jsonify
from flask_login import current_user
from sqlalchemy.orm import Session

from orchestrator.apply import delivery
from orchestrator.apply.service import is_live, node_states
from orchestrator.config import ConfigError, Settings, platform_from_settings
from orchestrator.db.models import Tenant

from .security import db, login_required, tenant
from .sse import stream

bp = Blueprint("applystatus", __name__)
log = logging.getLogger(__name__)


@dataclass
class NodeStatus:
    node: str
    state: str  # live | pending | failed
    error: str | None = None
    applied_at: str | None = None


@dataclass
class ApplyStatus:
    revision: int
    state: str  # live | pending | failed | unknown
    nodes: list[NodeStatus] = field(default_factory=list)
    error: str | None = None
    delivery: str | None = None  # queued | inline | inline-fallback (apply/delivery.py)
    delivery_note: str | None = None

    def as_dict(self) -> dict:
        return {"revision": self.revision, "state": self.state, "error": self.error,
                "nodes": [n.__dict__ for n in self.nodes], "delivery": self.delivery,
                "delivery_note": self.delivery_note}


# A node's apply covers every tenant: its error text (FreeSWITCH's reason)
# can name other tenants' domains and files. Admins and users of a tenant see
# only this; the platform's operators read the detail with `orchestrator status`.
NODE_FAILED = "the last apply on this node failed; the platform operators have the details"
NODE_PENDING = "files written, reload pending"


def _pending_reason(error: str | None) -> str | None:
    if not error:
        return None
    return NODE_PENDING if error.startswith(NODE_PENDING) else NODE_FAILED


def apply_status(t: Tenant) -> ApplyStatus:
    ctx = db()
    return compute_status(ctx.session, ctx.settings, t)


def compute_status(session: Session, settings: Settings, t: Tenant) -> ApplyStatus:
    try:
        platform = platform_from_settings(settings)
    except ConfigError as exc:
        log.warning("platform settings invalid", extra={"error": str(exc)})
        return ApplyStatus(revision=t.revision, state="unknown", error="the platform's node settings are invalid")
    live = is_live(session, t, platform)
    states = {s.node: s for s in node_states(session)}
    nodes = []
    for node in platform.nodes:
        st = states.get(node.name)
        at = st.applied_at.isoformat(timespec="seconds") if st is not None and st.applied_at else None
        if live.get(node.name):
            nodes.append(NodeStatus(node.name, "live", None, at))
        elif st is not None and st.result == "failed":
            nodes.append(NodeStatus(node.name, "failed", NODE_FAILED, at))
        else:
            nodes.append(NodeStatus(node.name, "pending", _pending_reason(st.error if st is not None else None), at))
    states_seen = {n.state for n in nodes}
    overall = "failed" if "failed" in states_seen else "pending" if "pending" in states_seen else "live"
    handed = delivery.last(settings.var_dir, t.id)
    return ApplyStatus(revision=t.revision, state=overall, nodes=nodes,
                       delivery=handed.mode if handed else None, delivery_note=handed.note if handed else None)


@bp.get("/status/apply")
@login_required
def status_json():
    """Polled by the page while a change is pending."""
    return jsonify(apply_status(tenant()).as_dict())


@bp.get("/status/apply/stream")
@login_required
def status_stream():
    """Server-sent events: the status on each change until it is no longer
    pending (live or failed)."""
    tenant_id = current_user.tenant_id

    def poll(ctx) -> dict | None:
        t = ctx.session.get(Tenant, tenant_id)
        return compute_status(ctx.session, ctx.settings, t).as_dict() if t is not None else None

    return stream(poll, lambda st: st["state"] != "pending")


@bp.app_context_processor
def _inject() -> dict:
    return {"apply_status": apply_status}
