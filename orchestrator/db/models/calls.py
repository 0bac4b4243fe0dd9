"""Call records (C-3), SMS (C-2) and per-node apply state (P-3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, utcnow


class CallRecord(Base):
    __tablename__ = "call_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    call_uuid: Mapped[str] = mapped_column(String(64), unique=True)  # FreeSWITCH Unique-ID: dedup key
    direction: Mapped[str] = mapped_column(String(10))  # inbound | outbound | internal
    caller: Mapped[str] = mapped_column(String(40))
    callee: Mapped[str] = mapped_column(String(40))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="SET NULL"), index=True)
    reception_number: Mapped[str | None] = mapped_column(String(20))
    special_number: Mapped[str | None] = mapped_column(String(20))
    profile: Mapped[str | None] = mapped_column(String(80))  # the number's profile that routed it
    started_at: Mapped[datetime] = mapped_column(index=True)
    answered_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    disposition: Mapped[str] = mapped_column(String(12))  # answered | missed | busy | failed | forwarded | voicemail
    hangup_cause: Mapped[str | None] = mapped_column(String(40))
    node: Mapped[str | None] = mapped_column(String(64))


class SmsMessage(Base):
    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="SET NULL"), index=True)
    to_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued | sent | failed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NodeState(Base):
    """What one FreeSWITCH node last applied, and how it went."""

    __tablename__ = "node_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    node: Mapped[str] = mapped_column(String(64), unique=True)
    tree_hash: Mapped[str | None] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str] = mapped_column(String(12), default="never")  # never | ok | failed | pending
    error: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime | None] = mapped_column()
    # JSON {tenant id: revision}: the configuration revision of each tenant
    # that this node has live ("is my change live?").
    tenant_revisions: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
