"""A tenant as one YAML document: the schema.

The document is the composition of the resource schemas of the service
layer, so the YAML, the API and the forms share one definition. Its JSON
Schema is written to ``docs/tenant-schema.json`` by
``orchestrator tenant schema``; ``docs/tenant-document.md`` explains it.
"""

from __future__ import annotations

from pydantic import Field

from ..services.audio.schema import AudioDoc
from ..services.base import Doc
from ..services.devices.schema import DeviceDoc
from ..services.directory.schema import DirectoryDoc, PersonalDirectoryDoc
from ..services.lines.schema import FaxLineDoc, LineDoc
from ..services.logins.schema import LoginDoc
from ..services.reception.schema import ReceptionDoc
from ..services.special.schema import SpecialDoc
from ..services.tenants.schema import TenantDoc

SCHEMA_VERSION = 1


class TenantDocument(Doc):
    """Everything a company has configured. History (call records, SMS, the
    audit log) is not configuration and is not part of it."""

    version: int = Field(default=SCHEMA_VERSION, description="Schema version of this document")
    tenant: TenantDoc
    audio_files: list[AudioDoc] = Field(default_factory=list)
    lines: list[LineDoc] = Field(default_factory=list)
    fax_lines: list[FaxLineDoc] = Field(default_factory=list)
    logins: list[LoginDoc] = Field(default_factory=list)
    directory: DirectoryDoc = Field(default_factory=DirectoryDoc)
    personal_directories: list[PersonalDirectoryDoc] = Field(default_factory=list)
    reception_numbers: list[ReceptionDoc] = Field(default_factory=list)
    special_numbers: list[SpecialDoc] = Field(default_factory=list)
    devices: list[DeviceDoc] = Field(default_factory=list)
