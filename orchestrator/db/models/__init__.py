"""The whole data model. Import from here."""

from .accounts import AuditEntry, Login, Tenant
from .api_tokens import ApiToken
from .audio import AUDIO_CATEGORIES, AudioFile
from .calls import CallRecord, NodeState, SmsMessage
from .devices import Device, DeviceKey, DevicePort
from .directory import Contact, ContactNumber, DirectoryList
from .lines import FaxLine, Line
from .live import ClickToCall, Registration, VoicemailCounter
from .numbers import EmergencyRoute, PhoneNumber
from .reception import HuntMember, IvrKey, ReceptionNumber, ReceptionProfile, ReceptionRule
from .special import Routing, RoutingDestination, SpecialNumber, SpecialProfile, SpecialRule

__all__ = [
    "AUDIO_CATEGORIES", "ApiToken", "AudioFile", "AuditEntry", "CallRecord", "ClickToCall", "Contact", "ContactNumber",
    "Device", "DeviceKey", "DevicePort", "DirectoryList", "EmergencyRoute", "FaxLine",
    "HuntMember", "IvrKey", "Line", "Login", "NodeState", "PhoneNumber", "ReceptionNumber",
    "ReceptionProfile", "ReceptionRule", "Routing", "RoutingDestination", "SmsMessage",
    "SpecialNumber", "SpecialProfile", "SpecialRule", "Tenant", "Registration", "VoicemailCounter",
]
