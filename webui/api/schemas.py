"""What the API returns and accepts beyond the service documents: the same
Pydantic models with ids added and secrets masked."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from orchestrator.services.directory.schema import ContactDoc
from orchestrator.services.lines.schema import FaxLineDoc, LineDoc, SipDoc, VoicemailDoc
from orchestrator.services.reception.schema import ReceptionDoc

MASK = "***"


class SipOut(SipDoc):
    password: Literal["***"] | None = Field(None, description="Never returned in clear")


class VoicemailOut(VoicemailDoc):
    pin: Literal["***"] | None = Field(None, description="\"***\" when a PIN is set")


class LineOut(LineDoc):
    id: int
    sip: SipOut = Field(default_factory=SipOut)
    voicemail: VoicemailOut = Field(default_factory=VoicemailOut)


class FaxLineOut(FaxLineDoc):
    id: int


class ContactIn(ContactDoc):
    list_id: int | None = Field(None, description="Company list holding the contact; null: the top of the directory")


class ContactOut(ContactIn):
    id: int
    list: str | None = Field(None, description="Path of the list, e.g. \"RH / Recrutement\"")


class ProfileStateOut(BaseModel):
    active: str | None = Field(None, description="The profile that applies now")
    scheduled: str | None = Field(None, description="The profile the rules (or the default) select, forcing aside")
    forced: str | None = None
    rule: int | None = Field(None, description="1-based time rule that selected it; null: the default profile")
    local_time: str


class ReceptionOut(ReceptionDoc):
    id: int
    profile_ids: dict[str, int] = Field(default_factory=dict, description="Profile name → id")
    now: ProfileStateOut


class ForceIn(BaseModel):
    profile: str | None = Field(None, description="Profile to force; null stops forcing")


class MemberIn(BaseModel):
    line: str = Field(description="Line number to add at the end of the ringing order")


class PlanOut(BaseModel):
    dialled: str
    caller: str | None
    at: str
    timezone: str
    kind: str
    number: str | None = None
    label: str | None = None
    profile: dict[str, Any] | None = None
    steps: list[str]
    choices: list[dict[str, Any]] = Field(default_factory=list)
    outcome: dict[str, Any] | None = None


class NodeStatusOut(BaseModel):
    node: str
    state: Literal["live", "pending", "failed"]
    error: str | None = None
    applied_at: str | None = None


class ApplyStatusOut(BaseModel):
    revision: int
    state: Literal["live", "pending", "failed", "unknown"]
    error: str | None = None
    nodes: list[NodeStatusOut]
    delivery: Literal["queued", "inline", "inline-fallback"] | None = Field(
        None, description="How the last change was handed to apply: queued for the worker, applied inline "
                          "(no Redis), or applied inline because the queue was unreachable")
    delivery_note: str | None = None


class MeOut(BaseModel):
    login: str
    role: Literal["admin", "user"]
    tenant: str
    lines: list[str] = Field(description="Numbers of the lines this login may change")


class ImportReportOut(BaseModel):
    applied: bool
    encoding: str
    delimiter: str
    rows: int
    replaced: dict[str, int]
    new: dict[str, int]
    contacts: list[dict[str, Any]]
    errors: list[dict[str, Any]]


class ErrorItem(BaseModel):
    id: str = Field(description="Stable error id, e.g. ring_time.range")
    field: str = Field(description="Path of the field, e.g. forwards.no_answer; empty for the whole request")
    message: str
    row: int | None = Field(None, description="CSV import: 1-based row")
    column: int | None = Field(None, description="CSV import: 1-based column")


class ErrorsOut(BaseModel):
    errors: list[ErrorItem]


# -- audio library (M-1..M-4) and voicemail (V-2, V-5) --------------------------------------------

class AudioOut(BaseModel):
    id: int
    name: str
    category: Literal["hold_music", "pre_answer", "ivr_menu", "vm_greeting_record", "vm_greeting_announce"]
    size_bytes: int = Field(description="Size of the file as uploaded")
    duration_ms: int | None = None
    original_filename: str | None = None
    created_at: str
    used_by: list[str] = Field(default_factory=list, description="Where it is used; a used file cannot be deleted")


class CatalogueTrackOut(BaseModel):
    name: str = Field(description="Key to use as hold music: {\"catalogue\": name}")
    label: str


class AnnouncementIn(BaseModel):
    name: str = Field(description="Title of the new audio file")
    category: Literal["hold_music", "pre_answer", "ivr_menu", "vm_greeting_record", "vm_greeting_announce"]
    text: str = Field(description="What the voice says: at most 50 words")
    voice: Literal["female", "male"] = "female"
    music: str | None = Field(None, description="A catalogue track under the voice; null: the voice alone")


class VoicemailSettingsIn(BaseModel):
    mode: Literal["record", "announce"] | None = None
    greeting_record: str | None = Field(None, description="Audio file (category vm_greeting_record); null: the default")
    greeting_announce: str | None = Field(None,
                                          description="Audio file (category vm_greeting_announce); null: the default")
    email: str | None = None


class VoicemailSettingsOut(BaseModel):
    line: str
    enabled: bool
    mode: Literal["record", "announce"]
    email: str | None = None
    greeting_record: str | None = None
    greeting_announce: str | None = None
    available: dict[str, list[str]] = Field(description="mode → the greeting files that may be chosen for it")


class VoicemailMessageOut(BaseModel):
    uuid: str
    created_at: str
    status: Literal["new", "saved"]
    caller_number: str
    caller_name: str
    duration_s: int
    playable: bool = Field(description="false: the recording is on another server and cannot be fetched here")
