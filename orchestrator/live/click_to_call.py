"""Click-to-call (C-1): the user's own line rings, showing the target;
when the user answers, the target is dialled through the tenant's dialplan
as if dialled from the line. Progress is stored (and streamed by the UI):
ringing you → calling → connected → ended, or failed with a reason.

Every registered device of the line rings (L-9: the phone, the teleworking
twin, the mobile app), one leg each. The legs cannot share a UUID chosen in
advance (``origination_uuid`` on a forked originate: "Duplicate UUID", the
other devices never ring), so every leg carries ``centrex_c2c`` and the call
follows the leg that answers: its UUID becomes ``call_uuid``. A leg that
loses the race (another device answered) changes nothing; if no device
answers, the originate's BACKGROUND_JOB says why."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.errors import ServiceError
from orchestrator.domain.numbering import NumberError, normalize

from ..db.models import ClickToCall, Login
from ..services.context import ServiceContext
from .access import own_line

log = logging.getLogger(__name__)
RING_YOU_SECONDS = 30
REASONS = {
    "USER_NOT_REGISTERED": "your phone is not connected (no device registered on your line)",
    "NO_ANSWER": f"you did not answer within {RING_YOU_SECONDS} s",
    "NO_USER_RESPONSE": "your phone did not respond",
    "USER_BUSY": "your line is busy",
    "CALL_REJECTED": "the call was rejected on your phone",
    "ORIGINATOR_CANCEL": "the call was cancelled",
    "UNALLOCATED_NUMBER": "the number you called does not exist",
    "NORMAL_TEMPORARY_FAILURE": "the network could not reach the number",
    "RECOVERY_ON_TIMER_EXPIRE": "no answer from the network",
    "NORMAL_CLEARING": "the call ended",
}


class Originator(Protocol):
    def bgapi(self, cmd: str) -> str: ...


def reason(cause: str) -> str:
    return REASONS.get(cause, f"the call failed ({cause.lower().replace('_', ' ')})")


def dialable(target: str, region: str) -> str:
    """What the line would dial: a short number as typed, else E.164."""
    text = re.sub(r"[\s.\-()]", "", target or "")
    if re.fullmatch(r"[1-9]\d{1,5}", text):
        return text
    try:
        return normalize(text, region)
    except NumberError as exc:
        raise ServiceError(exc.message, error_id=exc.error_id, field="target") from None


def _quote(value: str) -> str:
    """A value inside originate's {...}: no quote, comma or brace survives."""
    return "'" + re.sub(r"[',{}\[\]\x00-\x1f]", " ", value) + "'"


def start(ctx: ServiceContext, login: Login, line_number: str, target: str, esl: Originator) -> ClickToCall:
    line = own_line(ctx.session, login, line_number, ctx.settings.default_region)
    tenant = ctx.tenant(line.tenant_id)
    dial = dialable(target, ctx.settings.default_region)
    call = ClickToCall(tenant_id=tenant.id, line_id=line.id, target=dial, status="requested")
    ctx.session.add(call)
    ctx.session.flush()
    domain = tenant.sip_domain
    variables = {
        "centrex_c2c": str(call.id), "centrex_c2c_target": dial,
        "origination_caller_id_number": dial, "origination_caller_id_name": _quote(f"Appel vers {dial}"),
        "effective_caller_id_number": line.number, "effective_caller_id_name": _quote(line.label),
        "centrex_caller_line": line.number, "centrex_caller_user": line.sip_username,
        "centrex_caller_domain": domain, "centrex_clir": "true" if line.clir else "false",
        "originate_timeout": str(RING_YOU_SECONDS), "ignore_early_media": "true", "hangup_after_bridge": "true",
    }
    var_text = ",".join(f"{k}={v}" for k, v in variables.items())
    command = f"originate {{{var_text}}}user/{line.sip_username}@{domain} {dial} XML {domain}"
    try:
        call.job_uuid = esl.bgapi(command)
    except Exception as exc:  # noqa: BLE001 - any ESL failure is reported to the user
        call.status, call.cause = "failed", f"the phone system cannot be reached: {getattr(exc, 'message', exc)}"
        ctx.audit(tenant.id, "click_to_call", "line", line.number, target=dial, status="failed")
        ctx.session.commit()
        return call
    call.status = "ringing_you"
    call.updated_at = datetime.now(UTC)
    ctx.audit(tenant.id, "click_to_call", "line", line.number, target=dial)
    ctx.session.commit()
    log.info("click-to-call", extra={"line": line.number, "target": dial, "id": call.id})
    return call


def _find(session: Session, headers: Mapping[str, str]) -> ClickToCall | None:
    cid = headers.get("variable_centrex_c2c")
    if cid and cid.isdigit():
        return session.get(ClickToCall, int(cid))
    job = headers.get("Job-UUID")
    if headers.get("Event-Name") == "BACKGROUND_JOB" and job:
        return session.scalar(select(ClickToCall).where(ClickToCall.job_uuid == job))
    return None


def on_event(session: Session, headers: Mapping[str, str], body: str | None = None) -> ClickToCall | None:
    """Move a click-to-call along from the events of the leg that answered
    (the first of the line's devices to answer)."""
    call = _find(session, headers)
    if call is None or call.status in ("ended", "failed"):
        return call
    name = headers.get("Event-Name")
    mine = call.call_uuid is not None and headers.get("Unique-ID") == call.call_uuid
    if name == "BACKGROUND_JOB":
        text = (body or "").strip()
        if text.startswith("-ERR"):
            cause = text[4:].strip() or "UNKNOWN"
            call.status, call.cause = "failed", reason(cause)
    elif name == "CHANNEL_ANSWER" and call.status == "ringing_you":
        call.call_uuid, call.status = headers.get("Unique-ID"), "calling"
    elif name == "CHANNEL_BRIDGE" and mine:
        call.status = "connected"
    elif name == "CHANNEL_HANGUP_COMPLETE" and mine:
        if call.status == "connected":
            call.status = "ended"
        else:
            cause = headers.get("variable_originate_disposition") or headers.get("Hangup-Cause") or ""
            if call.status == "calling":
                cause = (headers.get("variable_last_bridge_hangup_cause")
                         or headers.get("variable_originate_disposition")
                         or headers.get("Hangup-Cause", ""))
                call.status, call.cause = "failed", f"the number did not answer: {reason(cause)}"
            else:
                call.status, call.cause = "failed", reason(cause)
    else:
        return call
    call.updated_at = datetime.now(UTC)
    return call
