"""Phone line (L-*), voicemail (V-*) and fax line (F-1) documents."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..audio.schema import HoldMusicDoc
from ..base import Doc


class SipDoc(Doc):
    username: str | None = Field(None, max_length=64, description="Default: the national number")
    password: str | None = Field(None, min_length=8, max_length=64,
                                 description="Default: generated. Exported as ******** unless --with-secrets;"
                                             " ******** on import keeps the stored one")


class ForwardsDoc(Doc):
    unconditional: str | None = Field(None, description="All calls go to this number at once")
    no_answer: str | None = Field(None, description="After the ring time")
    presented: Literal["caller", "line"] = Field("caller", description="Number shown on forwarded calls")


class OptionsDoc(Doc):
    """L-9: each option lets one more device register on the line (1 to 3); one more is refused (403)."""

    mobile_app: bool = Field(False, description="Mobile app (§3.8): one more device, the app, registers on the line")
    mobile_number: str | None = Field(None, description="The mobile number of the app (required with mobile_app)")
    twin: bool = Field(False, description="Teleworking twin (§3.9): a second device on the line's number;"
                                          " every registered device rings, calls from each present the line")


class VoicemailDoc(Doc):
    enabled: bool = True
    mode: Literal["record", "announce"] = "record"
    email: str | None = Field(None, max_length=254)
    pin: str | None = Field(None, description="4 to 12 digits. Exported as ******** unless --with-secrets;"
                                              " ******** on import keeps the stored one")
    greeting_record: str | None = Field(None, description="Audio file name, category vm_greeting_record")
    greeting_announce: str | None = Field(None, description="Audio file name, category vm_greeting_announce")


class LineDoc(Doc):
    number: str
    label: str = Field(min_length=1, max_length=80)
    short_number: str | None = None
    offer: str | None = Field(None, max_length=80)
    status: Literal["activating", "active"] = "activating"
    sip: SipDoc = Field(default_factory=SipDoc)
    ring_time: int = Field(20, description="5 to 60 seconds")
    forwards: ForwardsDoc = Field(default_factory=ForwardsDoc)
    backup_number: str | None = None
    clir: bool = Field(False, description="Hide the number on outgoing calls (never for emergency calls)")
    department: str | None = Field(None, description="Emergency location; default: the tenant's")
    hold_music: HoldMusicDoc | None = None
    options: OptionsDoc = Field(default_factory=OptionsDoc)
    voicemail: VoicemailDoc = Field(default_factory=VoicemailDoc)


class FaxLineDoc(Doc):
    number: str
    label: str = Field(min_length=1, max_length=80)
    email: str = Field(max_length=254)


class AddFaxDoc(Doc):
    """The fax line associated with a new line: its number is the line's + 1 (N-2)."""

    label: str = Field(max_length=80)
    email: str = Field(max_length=254, description="Where received faxes are sent as PDF")


class AddLineDoc(Doc):
    """A new line on a number chosen among the pool's free numbers (§3.3.1, N-2)."""

    number: str = Field(description="A free number of the pool (proposed, Gold, « à la carte » or reserved)")
    label: str = Field(max_length=80, description="Shown as the caller name")
    short_number: str | None = None
    offer: str | None = Field(None, max_length=80)
    fax: AddFaxDoc | None = Field(None, description="Also create the associated fax line on the next number")


class NewFaxDoc(AddFaxDoc):
    """A fax line alone on a number chosen among the pool's free numbers (§3.4)."""

    number: str = Field(description="A free number of the pool")
