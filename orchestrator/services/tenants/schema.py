"""Tenant (A-1, A-4) document."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..base import Doc

TenantKind = Literal["business", "individual"]


class TenantDoc(Doc):
    name: str = Field(min_length=1, max_length=120, description="Company name, unique on the platform")
    sip_domain: str = Field(min_length=3, max_length=253, description="SIP domain of the tenant's lines")
    kind: TenantKind = "business"
    timezone: str = Field(default="Europe/Paris", description="IANA timezone for time rules")
    emergency_department: str = Field(default="75", description="Default département for emergency routing (L-4)")
    line_limit: int | None = Field(default=None, ge=0, le=100000, description="Default: 8 business, 3 individual")
    billing_email: str | None = Field(default=None, max_length=254)
    technical_email: str | None = Field(default=None, max_length=254)
    postal_address: str | None = None
