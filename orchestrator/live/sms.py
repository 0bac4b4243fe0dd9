"""SMS from a line (C-2): SIP MESSAGE through FreeSWITCH's chat API; at most
160 characters; the status is stored.

The ``chat`` API (mod_dptools, FreeSWITCH 1.11.1) splits its argument on
``|`` with ``switch_separate_string``, which honours ``\\`` escapes and
``'`` quotes, and answers ``Sent``, ``Error! Message Not Sent`` or
``Invalid`` (never ``+OK``). Its fifth argument is the Content-Type:
without it mod_sofia sends ``text/html``, which phones refuse (baresip:
``415 Unsupported Media Type``, ``Accept: text/plain``)."""

from __future__ import annotations

import logging
import re
from typing import Protocol

from sqlalchemy import select

from orchestrator.config import platform_from_settings
from orchestrator.domain.errors import FieldError, ValidationFailed
from orchestrator.domain.numbering import NumberError, normalize

from ..db.models import Line, Login, SmsMessage
from ..services.context import ServiceContext
from .access import own_line

log = logging.getLogger(__name__)
MAX_LENGTH = 160
SENT = "Sent"  # mod_dptools' chat_api_function on success
CONTENT_TYPE = "text/plain;charset=UTF-8"
_CHAT_META = re.compile(r"""([\\'"|])""")


def chat_escape(text: str) -> str:
    """``text`` as one argument of the ``chat`` API: ``\\``, quotes and ``|``
    escaped, so FreeSWITCH neither splits nor strips them."""
    return _CHAT_META.sub(r"\\\1", text)


class Chat(Protocol):
    def api(self, cmd: str) -> str: ...


def send(ctx: ServiceContext, login: Login, line_number: str, to: str, text: str, esl: Chat) -> SmsMessage:
    line = own_line(ctx.session, login, line_number, ctx.settings.default_region)
    body = re.sub(r"[\r\n\t]+", " ", text or "").strip()  # one ESL line: breaks become spaces
    problems = []
    if not body:
        problems.append(FieldError("sms.empty", "text", "write the message"))
    elif len(body) > MAX_LENGTH:
        problems.append(FieldError("sms.too_long", "text",
                                   f"an SMS has at most {MAX_LENGTH} characters ({len(body)} given)"))
    try:
        dest = normalize(to, ctx.settings.default_region)
    except NumberError as exc:
        problems.append(FieldError(exc.error_id, "to", exc.message))
        dest = ""
    if problems:
        raise ValidationFailed(problems)
    tenant = ctx.tenant(line.tenant_id)
    msg = SmsMessage(tenant_id=line.tenant_id, line_id=line.id, to_number=dest, body=body, status="queued")
    ctx.session.add(msg)
    ctx.session.flush()
    onnet = ctx.session.scalar(select(Line).where(Line.number == dest))
    if onnet is not None:
        to_uri = f"{onnet.sip_username}@{ctx.tenant(onnet.tenant_id).sip_domain}"
    else:
        gateway = platform_from_settings(ctx.settings).gateway
        to_uri = f"{dest}@{gateway.proxy.split(':')[0]}"
    try:
        reply = esl.api(f"chat sip|{line.sip_username}@{tenant.sip_domain}|{to_uri}|{chat_escape(body)}|{CONTENT_TYPE}")
    except Exception as exc:  # noqa: BLE001
        msg.status, msg.error = "failed", f"the phone system cannot be reached: {getattr(exc, 'message', exc)}"
    else:
        if reply.strip() == SENT:
            msg.status = "sent"
        else:
            msg.status, msg.error = "failed", reply.strip()[:200] or "no answer from FreeSWITCH"
    ctx.audit(line.tenant_id, "sms", "line", line.number, to=dest, status=msg.status)
    ctx.session.commit()
    return msg
