"""Apply and resync: render, compare with each node, write atomically,
reload, roll back on rejection, record each node's state (P-3, P-4)."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.topology import Node, Platform

from ..db import utcnow
from ..db.models import NodeState, Tenant
from ..render.freeswitch import PlatformData, TenantFailure, load_platform_data, render_node
from ..render.snapshot import Snapshot, load_snapshot
from ..render.views import runtime_dirs
from .engine import NodeUnreachable, Reloader, ReloadRejected, reload_commands
from .locks import node_locks
from .tree import Change, Transaction, compare, is_loaded, mark_loaded, read_tree, tree_hash, validate_tree

log = logging.getLogger(__name__)


@dataclass
class NodeResult:
    node: str
    status: str  # unchanged | applied | failed | pending
    change: Change = field(default_factory=Change)
    commands: list[str] = field(default_factory=list)
    error: str | None = None
    failed_tenants: list[TenantFailure] = field(default_factory=list)  # left out, their files untouched

    @property
    def ok(self) -> bool:
        return self.status in ("unchanged", "applied")


def _state(session: Session, node: Node) -> NodeState:
    state = session.scalar(select(NodeState).where(NodeState.node == node.name))
    if state is None:
        state = NodeState(node=node.name, result="never", tenant_revisions="{}")
        session.add(state)
    return state


def apply_node(session: Session, snapshot: Snapshot, platform: Platform, node: Node, reloader: Reloader,
               *, scope_tenants: list[Tenant] | None = None, data: PlatformData | None = None) -> NodeResult:
    """Bring one node to the rendered tree. ``scope_tenants`` limits the
    comparison to the platform files and those tenants' files (``snapshot``
    then holds only them, and ``data`` the platform-wide facts)."""
    rendered = render_node(snapshot, platform, node, data if scope_tenants is not None else None)
    files, failed = rendered.files, rendered.failed
    state = _state(session, node)
    problems = validate_tree(files)
    if problems:  # a renderer bug: never hand FreeSWITCH a broken tree
        error = "rendered configuration is not well-formed, nothing written: " + "; ".join(problems[:5])
        _record(state, None, "failed", error, None)
        return NodeResult(node=node.name, status="failed", error=error)
    scope = None
    if scope_tenants is not None:
        # what was rendered (the platform files, 00-platform.xml included, and
        # these tenants' files) and these tenants' paths (removed if gone)
        scope = set(files)
        for t in scope_tenants:
            scope |= {f"directory/{t.sip_domain}.xml", f"dialplan/tenants/{t.sip_domain}.xml",
                      f"dialplan/public/{t.sip_domain}.xml"}
        files = {rel: body for rel, body in files.items() if rel in scope}
    make_runtime_dirs(runtime_dirs(snapshot, platform), node)
    present = read_tree(node.conf_dir, only=scope)
    for rel in rendered.keep:  # a tenant that failed to render: its files stay as last applied
        present.pop(rel, None)
    change = compare(files, present, scope)
    partial = "; ".join(str(f) for f in failed) or None
    result = NodeResult(node=node.name, status="unchanged", change=change, error=partial, failed_tenants=failed)
    if not change and state.result in ("ok",) and is_loaded(node.conf_dir):
        _record(state, snapshot, "ok", partial, files if scope is None else None, rendered.failed_ids)
        return result
    tx = Transaction(node.conf_dir, files, change)
    if change:
        node.conf_dir.mkdir(parents=True, exist_ok=True)
        tx.write()
    # Nothing to write but the last apply did not complete: reload everything.
    result.commands = reload_commands(change.paths if change else list(files), change.added if change else None)
    try:
        reloader(node, result.commands)
    except ReloadRejected as exc:
        tx.rollback()
        try:
            reloader(node, ["reloadxml"])
        except (ReloadRejected, NodeUnreachable):
            log.warning("reload after rollback failed", extra={"node": node.name})
        result.status, result.error = "failed", str(exc)
        _record(state, None, "failed", result.error, None)
        return result
    except NodeUnreachable as exc:
        # Written but not loaded: FreeSWITCH reads these files when it starts;
        # the next apply or resync reloads it.
        result.status, result.error = "pending", f"files written, reload pending: {exc}"
        _record(state, None, "pending", result.error, None)
        return result
    result.status = "applied"
    mark_loaded(node.conf_dir)
    _record(state, snapshot, "ok", partial, files if scope is None else None, rendered.failed_ids)
    return result


def make_runtime_dirs(dirs: list[Path], node: Node) -> None:
    """Create the directories FreeSWITCH writes into (fax spools, CDRs,
    voicemail): it does not create them itself. Also on a resync, so a
    removed spool comes back. A directory that cannot be created is logged;
    the configuration is applied all the same."""
    for path in dirs:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("cannot create a directory FreeSWITCH writes into",
                        extra={"node": node.name, "path": str(path), "error": str(exc)})


def _record(state: NodeState, snapshot: Snapshot | None, result: str, error: str | None,
            full_tree: dict[str, bytes] | None, not_live: Collection[int] = ()) -> None:
    state.result = result
    state.error = error
    state.applied_at = utcnow()
    if full_tree is not None:
        state.tree_hash = tree_hash(full_tree)
    if snapshot is not None:
        revisions = json.loads(state.tenant_revisions or "{}")
        for t in snapshot.tenants:
            if t.id not in not_live:
                revisions[str(t.id)] = t.tenant.revision
        state.tenant_revisions = json.dumps(revisions, sort_keys=True)


def apply(session: Session, platform: Platform, reloader: Reloader, *,
          tenant_ids: list[int] | None = None) -> list[NodeResult]:
    """Apply to every node. With ``tenant_ids`` only those tenants' files
    (and the platform files) are compared; a tenant that no longer exists
    makes it a full apply, which removes its files.

    Runs under every node's lock (``apply/locks.py``), from reading the
    database to recording the nodes' state: two applies never interleave,
    and the one that writes last has read the database last."""
    with node_locks(platform.nodes):
        session.commit()  # end any earlier read: the snapshot below is read under the locks
        results = _apply_locked(session, platform, reloader, tenant_ids)
    for r in results:
        log.info("apply", extra={"node": r.node, "status": r.status, "files": len(r.change.paths)})
    return results


def _apply_locked(session: Session, platform: Platform, reloader: Reloader,
                  tenant_ids: list[int] | None) -> list[NodeResult]:
    scope_tenants = None
    if tenant_ids is not None:
        found = list(session.scalars(select(Tenant).where(Tenant.id.in_(tenant_ids))))
        if len(found) == len(set(tenant_ids)):
            scope_tenants = found
    if scope_tenants is None:
        snapshot, data = load_snapshot(session), None
    else:
        snapshot = load_snapshot(session, [t.id for t in scope_tenants])
        data = load_platform_data(session, platform)
    results = [apply_node(session, snapshot, platform, node, reloader, scope_tenants=scope_tenants, data=data)
               for node in platform.nodes]
    session.commit()
    return results


def node_states(session: Session) -> list[NodeState]:
    return list(session.scalars(select(NodeState).order_by(NodeState.node)))


def is_live(session: Session, tenant: Tenant, platform: Platform) -> dict[str, bool]:
    """Per node: does it run the tenant's current revision?"""
    states = {s.node: s for s in node_states(session)}
    out = {}
    for node in platform.nodes:
        state = states.get(node.name)
        applied = json.loads(state.tenant_revisions).get(str(tenant.id)) if state else None
        out[node.name] = applied is not None and applied >= tenant.revision
    return out
