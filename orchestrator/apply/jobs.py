"""Apply jobs on RQ, coalesced per tenant, and the notifiers that enqueue
them (or apply inline when no Redis is configured).

Coalescing: a Redis key ``<prefix>:apply:pending:<tenant>`` is set when a job
is enqueued and deleted when the job starts. While it exists, a queued job
will read the database when it runs and pick up every later change, so no
second job is enqueued. A change made while a job runs sets the key again
and enqueues the next one.
"""

from __future__ import annotations

import logging
from typing import Any

from orchestrator.config import platform_from_settings

from ..runtime import Runtime
from .engine import esl_reloader
from .service import apply

log = logging.getLogger(__name__)
QUEUE = "apply"


def pending_key(prefix: str, tenant_id: int) -> str:
    return f"{prefix}:apply:pending:{tenant_id}"


def apply_tenant_job(tenant_id: int, config_path: str | None = None) -> list[dict[str, Any]]:
    """RQ job (a plain function): apply one tenant's configuration to every node."""
    rt = Runtime.from_environment(config_path)
    if rt.settings.redis_url:
        import redis

        redis.Redis.from_url(rt.settings.redis_url).delete(pending_key(rt.settings.redis_prefix, tenant_id))
    return run_apply(rt, [tenant_id])


def run_apply(rt: Runtime, tenant_ids: list[int] | None) -> list[dict[str, Any]]:
    platform = platform_from_settings(rt.settings)
    with rt.context(actor="apply") as ctx:
        results = apply(ctx.session, platform, esl_reloader(), tenant_ids=tenant_ids)
    return [{"node": r.node, "status": r.status, "error": r.error, "files": r.change.paths} for r in results]


class RQNotifier:
    """Enqueue one apply job per changed tenant, unless one is already waiting."""

    def __init__(self, redis_conn: Any, prefix: str, config_path: str | None = None) -> None:
        from rq import Queue

        self.redis = redis_conn
        self.prefix = prefix
        self.config_path = config_path
        self.queue = Queue(f"{prefix}-{QUEUE}", connection=redis_conn)

    def tenants_changed(self, tenant_ids: list[int]) -> None:
        for tid in tenant_ids:
            if self.redis.set(pending_key(self.prefix, tid), "1", nx=True, ex=3600):
                self.queue.enqueue(apply_tenant_job, tid, self.config_path, job_timeout=300,
                                   description=f"apply tenant {tid}")
            else:
                log.info("apply already queued", extra={"tenant_id": tid})


class InlineNotifier:
    """No Redis: apply right after the commit, in the same process."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def tenants_changed(self, tenant_ids: list[int]) -> None:
        for result in run_apply(self.rt, tenant_ids):
            if result["status"] not in ("applied", "unchanged"):
                log.warning("apply did not complete", extra=result)


def notifier_for(rt: Runtime, config_path: str | None = None):
    if rt.settings.redis_url:
        import redis

        return RQNotifier(redis.Redis.from_url(rt.settings.redis_url), rt.settings.redis_prefix, config_path)
    return InlineNotifier(rt)
