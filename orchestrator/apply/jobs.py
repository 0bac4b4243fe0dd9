"""Apply jobs on RQ, coalesced per tenant, and the notifiers that enqueue
them (or apply inline when no Redis is configured, or when it is away).

Coalescing on the queue: a Redis key ``<prefix>:apply:pending:<tenant>``
holds the id of the job enqueued for the tenant and is deleted when the job
starts. While it exists, the queued job will read the database when it runs
and pick up every later change, so no second job is enqueued. A change made
while a job runs enqueues the next one. Every apply, queued or inline, then
goes through the node locks and the :class:`~.locks.ApplyGate` (at most one
running and one waiting apply).

A save is never undone or refused because its apply could not run: the
change is committed first, the notifier never raises, and how the change
was handed over is recorded (``delivery.py``) next to the nodes' state.
"""

from __future__ import annotations

import logging
from typing import Any

from orchestrator.config import platform_from_settings

from ..runtime import Runtime
from . import delivery
from .engine import esl_reloader
from .locks import ApplyGate, node_locks
from .service import _state, apply

log = logging.getLogger(__name__)
QUEUE = "apply"
CLAIM_SECONDS = 30  # a claim whose enqueue never completed (Redis died in between) lapses after this


def pending_key(prefix: str, tenant_id: int) -> str:
    return f"{prefix}:apply:pending:{tenant_id}"


def redis_client(url: str) -> Any:
    """A client that gives up quickly when Redis is away (a save falls back
    to an inline apply; it must not hang on a dead server)."""
    import redis  # lazy: only with REDIS_URL

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def gate_for(rt: Runtime) -> ApplyGate:
    return ApplyGate(delivery.apply_dir(rt.settings.var_dir))


def apply_tenant_job(tenant_id: int, config_path: str | None = None) -> list[dict[str, Any]]:
    """RQ job (a plain function): apply one tenant's configuration to every node."""
    rt = Runtime.from_environment(config_path)
    if rt.settings.redis_url:
        redis_client(rt.settings.redis_url).delete(pending_key(rt.settings.redis_prefix, tenant_id))
    outcome = gate_for(rt).request([tenant_id], lambda ids: run_apply(rt, ids))
    return outcome.result or []


def run_apply(rt: Runtime, tenant_ids: list[int] | None) -> list[dict[str, Any]]:
    """Apply and report per node; an apply that stops on an error is recorded
    as failed on every node (never raised: the change is committed)."""
    platform = platform_from_settings(rt.settings)
    try:
        with rt.context(actor="apply") as ctx:
            results = apply(ctx.session, platform, esl_reloader(), tenant_ids=tenant_ids)
    except Exception as exc:  # noqa: BLE001 - recorded on the nodes and logged
        log.exception("apply stopped", extra={"tenants": tenant_ids})
        error = (f"apply stopped by an internal error ({type(exc).__name__}); nothing new was put live; "
                 "the next apply or resync retries")
        _record_failure(rt, platform.nodes, error)
        return [{"node": n.name, "status": "failed", "error": error, "files": []} for n in platform.nodes]
    return [{"node": r.node, "status": r.status, "error": r.error, "files": r.change.paths} for r in results]


def _record_failure(rt: Runtime, nodes: Any, error: str) -> None:
    """The nodes' state says the last apply failed; what they have live
    (tenant revisions, tree) is left as it was, which is what is on disk."""
    try:
        with node_locks(nodes), rt.context(actor="apply") as ctx:
            for node in nodes:
                state = _state(ctx.session, node)
                state.result, state.error = "failed", error
            ctx.session.commit()
    except Exception:  # noqa: BLE001 - the database may be what failed
        log.exception("cannot record the failed apply")


class InlineNotifier:
    """Apply right after the commit, in the same process (no Redis, or
    Redis unreachable), through the gate: concurrent saves coalesce."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def tenants_changed(self, tenant_ids: list[int]) -> None:
        self.apply(tenant_ids, delivery.INLINE)

    def apply(self, tenant_ids: list[int], mode: str, note: str | None = None) -> None:
        try:
            delivery.record(self.rt.settings.var_dir, tenant_ids, mode, note)
            outcome = gate_for(self.rt).request(tenant_ids, lambda ids: run_apply(self.rt, ids))
        except Exception:  # noqa: BLE001 - the change is committed; a resync repairs
            log.exception("inline apply failed", extra={"tenants": tenant_ids})
            return
        if not outcome.ran:
            delivery.record(self.rt.settings.var_dir, tenant_ids, mode,
                            (note + "; " if note else "") + "joined the apply that was about to start")
        for result in outcome.result or []:
            if result["status"] not in ("applied", "unchanged"):
                log.warning("apply did not complete", extra=result)


class RQNotifier:
    """Enqueue one apply job per changed tenant, unless one is already
    waiting; when the queue cannot be reached, apply inline instead."""

    def __init__(self, redis_conn: Any, prefix: str, config_path: str | None = None,
                 fallback: InlineNotifier | None = None) -> None:
        from rq import Queue  # lazy: rq is needed only with REDIS_URL

        self.redis = redis_conn
        self.prefix = prefix
        self.config_path = config_path
        self.fallback = fallback
        self.queue = Queue(f"{prefix}-{QUEUE}", connection=redis_conn)

    def tenants_changed(self, tenant_ids: list[int]) -> None:
        unqueued: list[int] = []
        reason = ""
        for tid in tenant_ids:
            try:
                self._enqueue(tid)
            except Exception as exc:  # noqa: BLE001 - Redis errors and OSError alike: fall back
                reason = f"apply queue unreachable ({type(exc).__name__}): applied inline"
                log.warning("apply queue unreachable: applying inline", extra={"tenant_id": tid, "error": str(exc)})
                unqueued.append(tid)
        if unqueued:
            if self.fallback is None:
                log.error("apply not queued and no inline fallback: the next resync applies it",
                          extra={"tenants": unqueued})
            else:
                self.fallback.apply(unqueued, delivery.INLINE_FALLBACK, reason)

    def _enqueue(self, tid: int) -> None:
        key = pending_key(self.prefix, tid)
        var_dir = self.fallback.rt.settings.var_dir if self.fallback is not None else None
        if not self.redis.set(key, "claimed", nx=True, ex=CLAIM_SECONDS):
            if self._job_waits(key):
                log.info("apply already queued", extra={"tenant_id": tid})
                if var_dir is not None:
                    delivery.record(var_dir, [tid], delivery.QUEUED, "joined the apply job already queued")
                return
            self.redis.set(key, "claimed", ex=CLAIM_SECONDS)  # a lost job: claim it again
        try:
            job = self.queue.enqueue(apply_tenant_job, tid, self.config_path, job_timeout=300,
                                     description=f"apply tenant {tid}")
        except Exception:
            try:
                self.redis.delete(key)
            except Exception:  # noqa: BLE001 - the claim lapses after CLAIM_SECONDS
                pass
            raise
        self.redis.set(key, job.id, xx=True, ex=3600)
        if var_dir is not None:
            delivery.record(var_dir, [tid], delivery.QUEUED)

    def _job_waits(self, key: str) -> bool:
        """Is the job named by the claim still queued? (``claimed``: another
        process is enqueueing it right now.)"""
        value = self.redis.get(key)
        if value is None:
            return False
        job_id = value.decode()
        if job_id == "claimed":
            return True
        job = self.queue.fetch_job(job_id)
        return job is not None and job.get_status(refresh=True) in ("queued", "deferred", "scheduled")


def notifier_for(rt: Runtime, config_path: str | None = None) -> InlineNotifier | RQNotifier:
    inline = InlineNotifier(rt)
    if rt.settings.redis_url:
        return RQNotifier(redis_client(rt.settings.redis_url), rt.settings.redis_prefix, config_path, inline)
    return inline
