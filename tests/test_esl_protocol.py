"""ESL framing: the incremental parser and event decoding.

Every transcript is parsed whole, byte by byte, at every two-piece split
point and in pseudo-random chunks (fixed seed); all must give the same
messages, and the whole-stream result is checked field by field.
"""

from __future__ import annotations

import random

import pytest
from fake_freeswitch import transcript
from fake_freeswitch.server import frame_event, serialize_json, serialize_plain

from orchestrator.esl import ESLParser, ESLProtocolError, Message, parse_event, parse_frames

TRANSCRIPTS = ["auth_api_exit.esl", "events_hangup_register.esl", "bgapi_background_job.esl"]
BYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"


def feed_chunks(data: bytes, sizes: list[int]) -> list[Message]:
    parser = ESLParser()
    out: list[Message] = []
    pos = 0
    for size in sizes:
        out.extend(parser.feed(data[pos : pos + size]))
        pos += size
    out.extend(parser.feed(data[pos:]))
    assert parser.buffered == 0
    return out


# ------------------------------------------------------------------ whole streams
def test_auth_api_exit_transcript() -> None:
    msgs = parse_frames(transcript("auth_api_exit.esl"))
    assert [m.content_type for m in msgs] == [
        "auth/request", "command/reply", "api/response", "api/response",
        "api/response", "command/reply", "text/disconnect-notice",
    ]
    assert msgs[1].reply_text == "+OK accepted"
    assert msgs[2].body.startswith("UP 0 years, 0 days, 2 hours")
    assert "FreeSWITCH (Version 1.10.11 -release 64bit) is ready\n" in msgs[2].body
    assert msgs[2].body.endswith("Current Stack Size/Max 240K/8192K\n")
    assert msgs[3].body == "+OK [Success]\n\n"  # a body containing the blank-line terminator
    assert msgs[3].get("content-length") == "15"  # header names are case-insensitive
    assert msgs[4].body == "-ERR foo Command not found!\n"
    assert msgs[5].reply_text == "+OK bye"
    assert msgs[6].get("Content-Length") == "67"
    assert msgs[6].body == BYE


def test_events_transcript_decodes_url_encoded_plain_and_json() -> None:
    msgs = parse_frames(transcript("events_hangup_register.esl"))
    assert [m.content_type for m in msgs] == [
        "command/reply", "text/event-plain", "command/reply", "text/event-json",
    ]
    assert msgs[0].reply_text == "+OK event listener enabled plain"
    assert msgs[2].reply_text == "+OK event listener enabled json"

    hangup = parse_event(msgs[1])
    assert hangup.name == "CHANNEL_HANGUP_COMPLETE"
    assert hangup.get("Core-UUID") == "8b2f6a1e-3c4d-4e5f-9a0b-1c2d3e4f5a6b"
    assert hangup.get("FreeSWITCH-Hostname") == "fs-test-1"
    assert hangup.get("FreeSWITCH-IPv6") == "::1"
    assert hangup.get("Event-Date-Local") == "2024-03-14 10:22:31"
    assert hangup.get("Event-Date-GMT") == "Thu, 14 Mar 2024 09:22:31 GMT"
    assert hangup.get("Event-Date-Timestamp") == "1710408151296417"
    assert hangup.get("Unique-ID") == "6f0c3a52-9d1e-4b7a-8e21-5a4f0d3c2b19"
    assert hangup.get("Hangup-Cause") == "NORMAL_CLEARING"
    assert hangup.get("Channel-Name") == "sofia/internal/1001@192.168.1.10"
    assert hangup.get("Caller-Caller-ID-Name") == "Zoë Martin"  # UTF-8, percent-encoded
    assert hangup.get("Caller-Caller-ID-Number") == "1001"
    assert hangup.get("variable_sip_to_user") == "1002"
    assert hangup.get("variable_sip_user_agent") == "Yealink SIP-T46S 66.86.0.15"
    assert hangup.get("variable_sip_contact_uri") == "sip:1001@192.168.1.51:5060;transport=udp"
    assert hangup.get("variable_outbound_caller_id_number") == "+33123456789"  # %2B, not a space
    assert hangup.get("variable_sip_h_X-Discount") == "100%"
    assert hangup.get("unique-id") == hangup.headers["Unique-ID"]
    assert hangup.body == ""
    assert hangup.subclass is None

    register = parse_event(msgs[3])
    assert register.name == "CUSTOM"
    assert register.subclass == "sofia::register"
    assert register.get("contact") == '"Zoë Martin" <sip:1001@192.168.1.51:5060;transport=udp>'
    assert register.get("status") == "Registered(UDP)"
    assert register.get("Event-Date-Local") == "2024-03-14 10:22:40"  # json values are not URL-encoded
    assert register.body == ""


def test_bgapi_transcript_background_job_bodies() -> None:
    msgs = parse_frames(transcript("bgapi_background_job.esl"))
    assert [m.content_type for m in msgs] == ["command/reply"] * 3 + ["text/event-plain"] * 2
    assert msgs[1].reply_text == "+OK Job-UUID: 7d9e4a2c-1f3b-4c5d-8e6f-0a1b2c3d4e5f"
    assert msgs[1].get("Job-UUID") == "7d9e4a2c-1f3b-4c5d-8e6f-0a1b2c3d4e5f"
    assert msgs[2].get("Job-UUID") == "a3c5e7f9-2b4d-4f6a-8c0e-1d3f5a7b9c0d"

    job1, job2 = parse_event(msgs[3]), parse_event(msgs[4])
    assert (job1.name, job1.job_uuid, job1.get("Job-Command")) == (
        "BACKGROUND_JOB", "7d9e4a2c-1f3b-4c5d-8e6f-0a1b2c3d4e5f", "reloadxml")
    assert job1.body == "+OK [Success]\n\n"
    assert job1.get("Content-Length") == "15"
    assert job1.get("Job-Command-Arg") is None
    assert job2.job_uuid == "a3c5e7f9-2b4d-4f6a-8c0e-1d3f5a7b9c0d"
    assert job2.get("Job-Command-Arg") == "user/1002 &park()"
    assert job2.body == "-ERR USER_NOT_REGISTERED\n"


# --------------------------------------------------------------------- chunking
@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_byte_by_byte_matches_whole(name: str) -> None:
    data = transcript(name)
    whole = parse_frames(data)
    parser = ESLParser()
    got: list[Message] = []
    for i in range(len(data)):
        got.extend(parser.feed(data[i : i + 1]))
    assert got == whole
    assert parser.buffered == 0


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_every_split_point_matches_whole(name: str) -> None:
    data = transcript(name)
    whole = parse_frames(data)
    for cut in range(len(data) + 1):
        assert feed_chunks(data, [cut]) == whole, f"split at byte {cut}"


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_random_chunks_match_whole(name: str) -> None:
    data = transcript(name)
    whole = parse_frames(data)
    rng = random.Random(20240314)
    for _ in range(200):
        sizes = [rng.randint(1, 97) for _ in range(len(data))]
        assert feed_chunks(data, sizes) == whole


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_events_decode_identically_however_split(name: str) -> None:
    data = transcript(name)
    expected = [parse_event(m) for m in parse_frames(data) if m.is_event]
    rng = random.Random(7)
    for _ in range(30):
        sizes = [rng.choice([1, 2, 3, 5, 8, 13, 64]) for _ in range(len(data))]
        assert [parse_event(m) for m in feed_chunks(data, sizes) if m.is_event] == expected


def test_messages_complete_only_when_their_last_byte_arrives() -> None:
    data = b"Content-Type: api/response\nContent-Length: 15\n\n+OK [Success]\n\n"
    parser = ESLParser()
    assert parser.feed(data[:-1]) == []
    assert parser.buffered == len(data) - 1
    (msg,) = parser.feed(data[-1:])
    assert msg.body == "+OK [Success]\n\n"


def test_split_inside_blank_line_terminator() -> None:
    data = b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
    cut = data.index(b"\n\n") + 1
    parser = ESLParser()
    assert parser.feed(data[:cut]) == []
    (msg,) = parser.feed(data[cut:])
    assert msg.reply_text == "+OK accepted"


def test_utf8_body_length_counts_bytes_and_survives_split_characters() -> None:
    body = "Zoë ☎\n".encode()
    data = b"Content-Type: api/response\nContent-Length: %d\n\n" % len(body) + body
    for cut in range(len(data) + 1):
        (msg,) = feed_chunks(data, [cut])
        assert msg.body == "Zoë ☎\n"
        assert msg.raw_body == body


def test_leading_newlines_and_crlf_are_tolerated() -> None:
    data = b"\n\r\nContent-Type: command/reply\r\nReply-Text: +OK\r\n\r\nContent-Type: auth/request\n\n"
    msgs = parse_frames(data)
    assert [m.content_type for m in msgs] == ["command/reply", "auth/request"]
    assert msgs[0].reply_text == "+OK"


def test_log_data_and_rude_rejection_frames() -> None:
    line = "2024-03-14 10:22:31.123 [NOTICE] switch_core.c:1 hello\n"
    data = (
        f"Content-Type: log/data\nContent-Length: {len(line)}\nLog-Level: 5\nText-Channel: 3\n"
        f"Log-File: switch_core.c\nLog-Func: x\nLog-Line: 1\nUser-Data: \n\n{line}"
        "Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n"
    ).encode()
    log, rude = parse_frames(data)
    assert log.content_type == "log/data" and log.body == line and log.get("Log-Level") == "5"
    assert log.get("User-Data") == ""
    assert rude.content_type == "text/rude-rejection" and rude.body == "Access Denied, go away.\n"


@pytest.mark.parametrize("length", ["abc", "-1", "999999999999"])
def test_bad_content_length_is_a_protocol_error(length: str) -> None:
    with pytest.raises(ESLProtocolError) as info:
        ESLParser().feed(f"Content-Type: api/response\nContent-Length: {length}\n\n".encode())
    assert info.value.error_id == "esl.protocol_error"
    assert "Content-Length" in info.value.message


def test_header_line_without_colon_is_a_protocol_error() -> None:
    with pytest.raises(ESLProtocolError):
        ESLParser().feed(b"Content-Type: command/reply\ngarbage\n\n")


def test_parse_frames_refuses_truncated_stream() -> None:
    with pytest.raises(ESLProtocolError, match="trailing bytes"):
        parse_frames(b"Content-Type: api/response\nContent-Length: 10\n\n+OK")


# --------------------------------------------------------------- event decoding
def test_plain_and_json_serialisations_decode_to_the_same_event() -> None:
    headers = [
        ("Event-Name", "BACKGROUND_JOB"), ("Job-UUID", "00000000-0000-4000-8000-000000000001"),
        ("Job-Command", "originate"), ("Job-Command-Arg", "{origination_caller_id_name='Zoë + Co'}user/1002 &park()"),
    ]
    body = "+OK 3b9f1d2e-0000-4000-8000-000000000002\n"
    (plain_msg,) = parse_frames(frame_event(serialize_plain(headers, body), "plain"))
    (json_msg,) = parse_frames(frame_event(serialize_json(headers, body), "json"))
    plain, as_json = parse_event(plain_msg), parse_event(json_msg)
    assert plain == as_json
    assert plain.get("Job-Command-Arg") == "{origination_caller_id_name='Zoë + Co'}user/1002 &park()"
    assert plain.body == body
    assert plain.get("Content-Length") == str(len(body))


def test_json_array_headers_read_like_plain_array_headers() -> None:
    payload = b'{"Event-Name":"CUSTOM","Event-Subclass":"x::y","codecs":["PCMU","PCMA"],"_body":"hi"}'
    (msg,) = parse_frames(frame_event(payload, "json"))
    event = parse_event(msg)
    assert event.get("codecs") == "ARRAY::PCMU|:PCMA"
    assert event.body == "hi" and event.subclass == "x::y"


def test_empty_plain_value_is_kept_as_freeswitch_writes_it() -> None:
    (msg,) = parse_frames(frame_event(serialize_plain([("Event-Name", "HEARTBEAT"), ("Empty", "")], None), "plain"))
    assert parse_event(msg).get("Empty") == "_undef_"


def test_truncated_inner_body_and_bad_json_are_protocol_errors() -> None:
    inner = b"Event-Name: BACKGROUND_JOB\nContent-Length: 50\n\n+OK"
    with pytest.raises(ESLProtocolError, match="truncated"):
        parse_event(parse_frames(frame_event(inner, "plain"))[0])
    with pytest.raises(ESLProtocolError, match="JSON"):
        parse_event(parse_frames(frame_event(b"{not json", "json"))[0])


def test_parse_event_refuses_non_events() -> None:
    (msg,) = parse_frames(b"Content-Type: command/reply\nReply-Text: +OK\n\n")
    assert not msg.is_event
    with pytest.raises(ESLProtocolError):
        parse_event(msg)


def test_parse_frames_refuses_stream_cut_right_after_headers() -> None:
    with pytest.raises(ESLProtocolError, match="trailing bytes"):
        parse_frames(b"Content-Type: api/response\nContent-Length: 10\n\n")
