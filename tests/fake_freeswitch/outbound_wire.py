"""The wire side of the fake outbound FreeSWITCH: the event sets and codes
(``myevents``, Event-Calling-*, channel states, hangup causes), the reader
that cuts our side's commands as ``read_packet()`` does, and the mixin that
builds the channel events' header sets and fires (serialises) them."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterable

from .server import frame_event, serialize_json, serialize_plain

# parse_command(): what ``myevents`` subscribes to.
MYEVENTS = (
    "CHANNEL_ANSWER", "CHANNEL_APPLICATION", "CHANNEL_BRIDGE", "CHANNEL_CREATE", "CHANNEL_DATA",
    "CHANNEL_DESTROY", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP",
    "CHANNEL_HANGUP_COMPLETE", "CHANNEL_ORIGINATE", "CHANNEL_UUID", "CHANNEL_OUTGOING", "CHANNEL_PARK",
    "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_STATE", "CHANNEL_UNBRIDGE", "CHANNEL_UNPARK",
    "DETECTED_SPEECH", "DTMF", "NOTALK", "TALK",
)

# Event-Calling-* of each event, as captured from FreeSWITCH 1.11.1.
CALLING: dict[str, tuple[str, str, int]] = {
    "CHANNEL_DATA": ("mod_event_socket.c", "parse_command", 2018),
    "CHANNEL_EXECUTE": ("switch_core_session.c", "switch_core_session_exec", 2949),
    "CHANNEL_EXECUTE_COMPLETE": ("switch_core_session.c", "switch_core_session_exec", 2972),
    "CHANNEL_ANSWER": ("switch_channel.c", "switch_channel_perform_mark_answered", 3848),
    "CHANNEL_PROGRESS": ("switch_channel.c", "switch_channel_perform_mark_ring_ready_value", 3507),
    "CHANNEL_PROGRESS_MEDIA": ("switch_channel.c", "switch_channel_perform_mark_pre_answered", 3562),
    "CHANNEL_BRIDGE": ("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1689),
    "CHANNEL_UNBRIDGE": ("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1879),
    "CHANNEL_HANGUP": ("switch_channel.c", "switch_channel_perform_hangup", 3447),
    "CHANNEL_HANGUP_COMPLETE": ("switch_core_state_machine.c", "switch_core_session_reporting_state", 943),
    "CHANNEL_PARK": ("switch_ivr.c", "switch_ivr_park", 1002),
    "CHANNEL_UNPARK": ("switch_ivr.c", "switch_ivr_park", 1213),
    "CHANNEL_STATE": ("switch_channel.c", "switch_channel_perform_set_running_state", 2409),
    "BACKGROUND_JOB": ("mod_event_socket.c", "api_exec", 1572),
}

STATE_NUMBERS = {
    "CS_NEW": 0, "CS_INIT": 1, "CS_ROUTING": 2, "CS_SOFT_EXECUTE": 3, "CS_EXECUTE": 4,
    "CS_EXCHANGE_MEDIA": 5, "CS_PARK": 6, "CS_CONSUME_MEDIA": 7, "CS_HIBERNATE": 8, "CS_RESET": 9,
    "CS_HANGUP": 10, "CS_REPORTING": 11, "CS_DESTROY": 12,
}

# switch_call_cause_t (switch_types.h): Q.850 codes up to INTERWORKING (127),
# FreeSWITCH's own causes above; hangup_cause_q850 maps those to 16.
CAUSE_CODES = {
    "NONE": 0, "UNALLOCATED_NUMBER": 1, "NO_ROUTE_TRANSIT_NET": 2, "NO_ROUTE_DESTINATION": 3,
    "CHANNEL_UNACCEPTABLE": 6, "CALL_AWARDED_DELIVERED": 7, "NORMAL_CLEARING": 16, "USER_BUSY": 17,
    "NO_USER_RESPONSE": 18, "NO_ANSWER": 19, "SUBSCRIBER_ABSENT": 20, "CALL_REJECTED": 21,
    "NUMBER_CHANGED": 22, "REDIRECTION_TO_NEW_DESTINATION": 23, "EXCHANGE_ROUTING_ERROR": 25,
    "DESTINATION_OUT_OF_ORDER": 27, "INVALID_NUMBER_FORMAT": 28, "FACILITY_REJECTED": 29,
    "RESPONSE_TO_STATUS_ENQUIRY": 30, "NORMAL_UNSPECIFIED": 31, "NORMAL_CIRCUIT_CONGESTION": 34,
    "NETWORK_OUT_OF_ORDER": 38, "NORMAL_TEMPORARY_FAILURE": 41, "SWITCH_CONGESTION": 42,
    "ACCESS_INFO_DISCARDED": 43, "REQUESTED_CHAN_UNAVAIL": 44, "PRE_EMPTED": 45, "FACILITY_NOT_SUBSCRIBED": 50,
    "OUTGOING_CALL_BARRED": 52, "INCOMING_CALL_BARRED": 54, "BEARERCAPABILITY_NOTAUTH": 57,
    "BEARERCAPABILITY_NOTAVAIL": 58, "SERVICE_UNAVAILABLE": 63, "BEARERCAPABILITY_NOTIMPL": 65,
    "CHAN_NOT_IMPLEMENTED": 66, "FACILITY_NOT_IMPLEMENTED": 69, "SERVICE_NOT_IMPLEMENTED": 79,
    "INVALID_CALL_REFERENCE": 81, "INCOMPATIBLE_DESTINATION": 88, "INVALID_MSG_UNSPECIFIED": 95,
    "MANDATORY_IE_MISSING": 96, "MESSAGE_TYPE_NONEXIST": 97, "WRONG_MESSAGE": 98, "IE_NONEXIST": 99,
    "INVALID_IE_CONTENTS": 100, "WRONG_CALL_STATE": 101, "RECOVERY_ON_TIMER_EXPIRE": 102,
    "MANDATORY_IE_LENGTH_ERROR": 103, "PROTOCOL_ERROR": 111, "INTERWORKING": 127, "SUCCESS": 142,
    "ORIGINATOR_CANCEL": 487, "CRASH": 700, "SYSTEM_SHUTDOWN": 701, "LOSE_RACE": 702, "MANAGER_REQUEST": 703,
    "BLIND_TRANSFER": 800, "ATTENDED_TRANSFER": 801, "ALLOTTED_TIMEOUT": 802, "USER_CHALLENGE": 803,
    "MEDIA_TIMEOUT": 804, "PICKED_OFF": 805, "USER_NOT_REGISTERED": 806, "PROGRESS_TIMEOUT": 807,
    "INVALID_GATEWAY": 808, "GATEWAY_DOWN": 809, "INVALID_URL": 810, "INVALID_PROFILE": 811, "NO_PICKUP": 812,
    "SRTP_READ_ERROR": 813, "BOWOUT": 814, "BUSY_EVERYWHERE": 815, "DECLINE": 816,
    "DOES_NOT_EXIST_ANYWHERE": 817, "NOT_ACCEPTABLE": 818, "UNWANTED": 819, "NO_IDENTITY": 820,
    "BAD_IDENTITY_INFO": 821, "UNSUPPORTED_CERTIFICATE": 822, "INVALID_IDENTITY": 823, "STALE_DATE": 824,
    "REJECT_ALL": 825,
}


# -------------------------------------------------------------- wire reading
class _PacketReader:
    """Our side's byte stream as ``read_packet()`` cuts it: a command line,
    ``Name: value`` header lines (values taken raw, names matched without
    case), an empty line, then ``Content-Length`` bytes of body."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[str, dict[str, str], bytes]]:
        self.buf += data
        out: list[tuple[str, dict[str, str], bytes]] = []
        while True:
            while self.buf[:1] in (b"\n", b"\r"):
                del self.buf[:1]
            end, term = -1, 0
            for sep in (b"\n\n", b"\r\n\r\n", b"\n\r\n"):
                pos = self.buf.find(sep)
                if pos != -1 and (end == -1 or pos < end):
                    end, term = pos, len(sep)
            if end == -1:
                return out
            lines = self.buf[:end].decode("utf-8", errors="replace").replace("\r", "").split("\n")
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep and name.strip():
                    headers[name.strip().lower()] = value.lstrip(" ")
            try:
                length = max(0, int(headers.get("content-length", "0") or 0))
            except ValueError:
                length = 0
            if len(self.buf) < end + term + length:
                return out
            body = bytes(self.buf[end + term:end + term + length])
            del self.buf[:end + term + length]
            out.append((lines[0].strip(), headers, body))


class EventDataMixin:
    """:class:`~fake_freeswitch.outbound.FakeOutboundCall`'s event data: the
    caller profile, the basic channel data and :meth:`_fire`."""

    # ---------------------------------------------------------- event data
    def _initial_profile(self, number: str) -> list[tuple[str, str]]:
        name = self._overrides.get("Caller-Caller-ID-Name", number)
        dest = self._overrides.get("Caller-Destination-Number", "0100000000")
        fields = [
            ("Direction", "inbound"), ("Logical-Direction", "inbound"), ("Dialplan", "XML"),
            ("Caller-ID-Name", name), ("Caller-ID-Number", number), ("Orig-Caller-ID-Name", name),
            ("Orig-Caller-ID-Number", number), ("Network-Addr", "127.0.0.1"), ("ANI", number),
            ("Destination-Number", dest), ("Unique-ID", self.uuid), ("Source", "mod_sofia"),
            ("Context", "public"), ("Channel-Name", self.channel_name), ("Profile-Index", "1"),
        ]
        known = {k for k, _ in fields}
        out = [(k, self._overrides.get(f"Caller-{k}", v)) for k, v in fields]
        out += [(k[len("Caller-"):], v) for k, v in self._overrides.items()
                if k.startswith("Caller-") and k[len("Caller-"):] not in known]
        return out

    def _profile_headers(self, prefix: str) -> list[tuple[str, str]]:
        t = self._times
        out = [(f"{prefix}-{k}", v) for k, v in self._profile]
        out += [
            (f"{prefix}-Profile-Created-Time", str(t["created"])),
            (f"{prefix}-Channel-Created-Time", str(t["created"])),
            (f"{prefix}-Channel-Answered-Time", str(t["answered"])),
            (f"{prefix}-Channel-Progress-Time", str(t["progress"])),
            (f"{prefix}-Channel-Progress-Media-Time", str(t["progress_media"])),
            (f"{prefix}-Channel-Hangup-Time", str(t["hangup"])),
            (f"{prefix}-Channel-Transfer-Time", str(t["transfer"])),
            (f"{prefix}-Channel-Resurrect-Time", "0"),
            (f"{prefix}-Channel-Bridged-Time", str(t["bridged"])),
            (f"{prefix}-Channel-Last-Hold", "0"),
            (f"{prefix}-Channel-Hold-Accum", "0"),
            (f"{prefix}-Screen-Bit", "true"),
            (f"{prefix}-Privacy-Hide-Name", "false"),
            (f"{prefix}-Privacy-Hide-Number", "false"),
        ]
        return out

    def _answer_state(self) -> str:
        if self.down:
            return "hangup"
        if self.answered:
            return "answered"
        if self.early:
            return "early"
        return "ringing"

    def _basic_data(self) -> list[tuple[str, str]]:
        """switch_channel_event_set_basic_data() + the variables (extended data)."""
        basic = [
            ("Channel-State", self.state), ("Channel-Call-State", self.callstate),
            ("Channel-State-Number", str(STATE_NUMBERS[self.state])), ("Channel-Name", self.channel_name),
            ("Unique-ID", self.uuid), ("Call-Direction", "inbound"), ("Presence-Call-Direction", "inbound"),
            ("Channel-HIT-Dialplan", "true"), ("Channel-Call-UUID", self.uuid),
            ("Answer-State", self._answer_state()),
        ]
        if self.hangup_cause:
            basic.append(("Hangup-Cause", self.hangup_cause))
        basic += [("Channel-Read-Codec-Name", "PCMA"), ("Channel-Read-Codec-Rate", "8000"),
                  ("Channel-Read-Codec-Bit-Rate", "64000"), ("Channel-Write-Codec-Name", "PCMA"),
                  ("Channel-Write-Codec-Rate", "8000"), ("Channel-Write-Codec-Bit-Rate", "64000")]
        overrides = {k: v for k, v in self._overrides.items() if not k.startswith("Caller-")}
        basic = [(k, overrides.pop(k, v)) for k, v in basic]
        basic += self._profile_headers("Caller")
        basic += list(overrides.items())
        leg = self._other_leg
        if leg is not None:
            basic += [
                ("Other-Type", "originatee"), ("Other-Leg-Direction", "outbound"),
                ("Other-Leg-Logical-Direction", "outbound"), ("Other-Leg-Dialplan", "XML"),
                ("Other-Leg-Caller-ID-Name", dict(self._profile).get("Caller-ID-Name", "")),
                ("Other-Leg-Caller-ID-Number", dict(self._profile).get("Caller-ID-Number", "")),
                ("Other-Leg-Callee-ID-Name", "Outbound Call"),
                ("Other-Leg-Callee-ID-Number", leg.target.split("@")[0]),
                ("Other-Leg-Destination-Number", leg.target.split("@")[0]),
                ("Other-Leg-Unique-ID", leg.uuid), ("Other-Leg-Source", "mod_sofia"),
                ("Other-Leg-Context", "default"), ("Other-Leg-Channel-Name", leg.channel_name),
            ]
        basic += [(f"variable_{k}", v) for k, v in self.variables.items()]
        return basic

    def _standard(self, name: str) -> list[tuple[str, str]]:
        now = time.time()
        calling = CALLING.get(name, ("switch_channel.c", "switch_channel_event_set_data", 1))
        return [
            ("Event-Name", name), ("Core-UUID", self.core_uuid), ("FreeSWITCH-Hostname", self.hostname),
            ("FreeSWITCH-Switchname", self.hostname), ("FreeSWITCH-IPv4", "127.0.0.1"),
            ("FreeSWITCH-IPv6", "::1"),
            ("Event-Date-Local", time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))),
            ("Event-Date-GMT", email.utils.formatdate(now, usegmt=True)),
            ("Event-Date-Timestamp", str(int(now * 1_000_000))),
            ("Event-Calling-File", calling[0]), ("Event-Calling-Function", calling[1]),
            ("Event-Calling-Line-Number", str(calling[2])), ("Event-Sequence", str(next(self._seq))),
        ]

    def _wants(self, name: str, headers: list[tuple[str, str]]) -> bool:
        if not self._subs or ("ALL" not in self._subs and name not in self._subs):
            return False
        if self._filters:
            lowered = {k.lower(): v for k, v in headers}
            return any(lowered.get(h.lower(), "").lower() == v.lower() for h, v in self._filters)
        return True

    def _fire(self, name: str, extra: Iterable[tuple[str, str]] = (), prefix: Iterable[tuple[str, str]] = (),
              channel: bool = True, body: str | None = None) -> list[tuple[str, str]]:
        """Fire a channel event; deliver it when our side is subscribed."""
        with self._cond:
            pairs = self._standard(name) + list(prefix)
            if channel:
                pairs += self._basic_data()
            pairs += list(extra)
            deliver = self._wants(name, pairs) and not self._sock_closed
            if deliver:
                decoded = dict(pairs)
                if body:
                    decoded["_body"] = body
                self.events.append(decoded)
                self._cond.notify_all()
        if deliver:
            payload = serialize_json(pairs, body) if self._fmt == "json" else serialize_plain(pairs, body)
            self._emit(frame_event(payload, self._fmt))
        return pairs
