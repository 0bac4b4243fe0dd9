"""ESLClient against FakeFreeSWITCH, and the fake's own wire fidelity.

Tests synchronise on the fake's conditions (wait_for_command,
wait_for_subscription) and on the client's blocking reads, never on sleeps.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest
from fake_freeswitch import transcript
from fake_freeswitch.server import DISCONNECT_NOTICE, FakeFreeSWITCH, RawReply

from orchestrator.esl import (
    ESLAuthError,
    ESLClient,
    ESLCommandError,
    ESLConnectError,
    ESLConnectionLost,
    ESLError,
    ESLNotConnected,
    ESLTimeout,
)

PASSWORD = "s3cr3t-ClueCon"


@pytest.fixture
def fs() -> Iterator[FakeFreeSWITCH]:
    with FakeFreeSWITCH(password=PASSWORD) as server:
        yield server


@pytest.fixture
def client(fs: FakeFreeSWITCH) -> Iterator[ESLClient]:
    esl = ESLClient()
    esl.connect(fs.host, fs.port, PASSWORD, timeout=5.0)
    yield esl
    esl.close()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_until_eof(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


# -------------------------------------------------------------- connect / auth
def test_connect_and_auth(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    assert client.connected
    assert fs.commands == [f"auth {PASSWORD}"]
    assert client.address == f"127.0.0.1:{fs.port}"


def test_bad_password_gives_clear_auth_error(fs: FakeFreeSWITCH, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="orchestrator.esl")
    esl = ESLClient()
    with pytest.raises(ESLAuthError) as info:
        esl.connect(fs.host, fs.port, "wrong-password", timeout=5.0)
    err = info.value
    assert err.error_id == "esl.auth_failed"
    assert f"127.0.0.1:{fs.port}" in err.message
    assert "rejected the password" in err.message and "-ERR invalid" in err.message
    assert "wrong-password" not in err.message
    assert "wrong-password" not in caplog.text
    assert not esl.connected
    with pytest.raises(ESLNotConnected):
        esl.api("status")


def test_password_is_never_logged(fs: FakeFreeSWITCH, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    esl = ESLClient()
    esl.connect(fs.host, fs.port, PASSWORD)
    esl.api("status")
    esl.close()
    assert PASSWORD not in caplog.text
    assert "auth ********" in caplog.text
    # the client logs through its module logger, never the root logger
    esl_records = [r for r in caplog.records if "/orchestrator/esl/" in r.pathname.replace("\\", "/")]
    assert esl_records
    assert {r.name for r in esl_records} == {"orchestrator.esl.client"}


def test_connect_to_closed_port_is_a_clear_error() -> None:
    port = free_port()
    with pytest.raises(ESLConnectError) as info:
        ESLClient().connect("127.0.0.1", port, PASSWORD, timeout=2.0)
    assert info.value.error_id == "esl.connect_failed"
    assert info.value.message.startswith(
        f"cannot connect to FreeSWITCH event socket at 127.0.0.1:{port}: connection refused")


def test_acl_rejection_is_reported() -> None:
    with FakeFreeSWITCH(reject_by_acl=True) as server:
        with pytest.raises(ESLConnectError) as info:
            ESLClient().connect(server.host, server.port, "ClueCon")
    assert info.value.error_id == "esl.rejected"
    assert "Access Denied, go away." in info.value.message


def test_password_with_newline_is_refused_before_sending(fs: FakeFreeSWITCH) -> None:
    with pytest.raises(ValueError):
        ESLClient().connect(fs.host, fs.port, "x\n\napi shutdown")
    assert fs.commands == []


# ----------------------------------------------------------------------- api
def test_api_reloadxml_success(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    assert client.api("reloadxml") == "+OK [Success]\n\n"
    assert client.api("reloadxml", check=True) == "+OK [Success]\n\n"
    assert fs.wait_for_command("api reloadxml", count=2) == "api reloadxml"


def test_api_err_response_is_surfaced(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    fs.set_api_response("reloadxml", "-ERR [Error: near line 12, column 3: unclosed tag <user>]\n")
    assert client.api("reloadxml").startswith("-ERR [Error: near line 12")
    with pytest.raises(ESLCommandError) as info:
        client.api("reloadxml", check=True)
    assert info.value.error_id == "esl.command_failed"
    assert "unclosed tag <user>" in info.value.message and "api reloadxml" in info.value.message
    assert info.value.reply.startswith("-ERR")
    assert client.connected  # a refused command leaves the connection usable
    assert client.api("status").startswith("UP ")


def test_unknown_api_command_answer_is_freeswitchs(client: ESLClient) -> None:
    assert client.api("frobnicate now") == "-ERR frobnicate Command not found!\n"


def test_scripted_responses_by_full_line_and_callable(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    fs.set_api_response("sofia profile internal rescan", "+OK scan complete\n")
    fs.set_api_response("echo", lambda args: args)
    assert client.api("sofia profile internal rescan") == "+OK scan complete\n"
    assert client.api("sofia status") == "-ERR sofia Command not found!\n"
    assert client.api("echo hello world") == "hello world"
    assert client.api("echo") == "-ERR no reply\n"  # empty output, as api_exec() says


def test_api_reply_replayed_one_byte_at_a_time(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    data = transcript("auth_api_exit.esl")
    start = data.index(b"Content-Type: api/response")
    end = data.index(b"Content-Type: api/response", start + 1)
    fs.set_api_response("status", RawReply(data[start:end], chunk_sizes=[1]))
    assert client.api("status").endswith("Current Stack Size/Max 240K/8192K\n")


def test_events_arriving_during_api_are_queued(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    client.events("plain", ["HEARTBEAT"])
    fs.set_api_response("status", lambda _args: (fs.fire("HEARTBEAT", {"Up-Time": "0 years"}), "UP\n")[1])
    assert client.api("status") == "UP\n"
    event = client.recv_event(timeout=0)
    assert event is not None and event.name == "HEARTBEAT" and event.get("Up-Time") == "0 years"


def test_client_serialises_concurrent_callers(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    fs.set_api_response("echo", lambda args: args)
    results: dict[str, list[str]] = {"a": [], "b": []}

    def worker(tag: str) -> None:
        for i in range(25):
            results[tag].append(client.api(f"echo {tag}{i}"))

    threads = [threading.Thread(target=worker, args=(t,)) for t in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {t: [f"{t}{i}" for i in range(25)] for t in results}


# --------------------------------------------------------------------- bgapi
def test_bgapi_job_uuid_and_background_job_event(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    assert client.events("plain", ["BACKGROUND_JOB"]) == "+OK event listener enabled plain"
    job = client.bgapi("originate user/1002 &park()")
    assert job == "00000000-0000-4000-8000-000000000001"  # deterministic
    event = client.wait_for_job(job)
    assert event is not None
    assert event.name == "BACKGROUND_JOB"
    assert event.get("Job-Command") == "originate"
    assert event.get("Job-Command-Arg") == "user/1002 &park()"
    assert event.body == "-ERR originate Command not found!\n"
    assert event.get("Core-UUID") == fs.core_uuid
    assert client.bgapi("reloadxml") == "00000000-0000-4000-8000-000000000002"
    second = client.wait_for_job("00000000-0000-4000-8000-000000000002")
    assert second is not None and second.body == "+OK [Success]\n\n"


def test_bgapi_with_caller_chosen_job_uuid(client: ESLClient) -> None:
    client.events("json", ["BACKGROUND_JOB"])
    uuid = "11111111-2222-4333-8444-555555555555"
    assert client.bgapi("status", job_uuid=uuid) == uuid
    event = client.wait_for_job(uuid)
    assert event is not None and event.body.startswith("UP 0 years")


def test_wait_for_job_keeps_other_events_in_order(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    fs.auto_complete_jobs = False
    client.events("plain", ["ALL"])
    job = client.bgapi("reloadxml")
    fs.fire("CHANNEL_CREATE", {"Unique-ID": "u1"})
    fs.fire("CHANNEL_ANSWER", {"Unique-ID": "u1"})
    fs.complete_job(job)
    event = client.wait_for_job(job)
    assert event is not None and event.body == "+OK [Success]\n\n"
    names = [client.recv_event(timeout=0), client.recv_event(timeout=0)]
    assert [e.name for e in names if e] == ["CHANNEL_CREATE", "CHANNEL_ANSWER"]
    assert client.recv_event(timeout=0) is None


def test_background_job_replayed_in_odd_chunks(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    client.events("plain", ["BACKGROUND_JOB"])
    data = transcript("bgapi_background_job.esl")
    events_part = data[data.index(b"Content-Length:"):]  # the two BACKGROUND_JOB frames
    fs.send_raw(events_part, chunk_sizes=[1, 7, 3, 64, 2])
    event = client.wait_for_job("a3c5e7f9-2b4d-4f6a-8c0e-1d3f5a7b9c0d")
    assert event is not None and event.body == "-ERR USER_NOT_REGISTERED\n"
    first = client.recv_event()
    assert first is not None and first.body == "+OK [Success]\n\n"


# -------------------------------------------------------------------- events
def test_event_subscription_plain(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    assert client.events("plain", "CHANNEL_HANGUP_COMPLETE") == "+OK event listener enabled plain"
    fs.fire("CHANNEL_CREATE", {"Unique-ID": "not-subscribed"})
    sent = fs.fire("CHANNEL_HANGUP_COMPLETE", {
        "Unique-ID": "6f0c3a52", "Hangup-Cause": "NORMAL_CLEARING",
        "Caller-Caller-ID-Name": "Zoë Martin", "Caller-Caller-ID-Number": "+33123456789",
        "variable_sip_to_user": "1002", "Channel-Name": "sofia/internal/1001@example.com",
    })
    event = client.recv_event()
    assert event is not None
    assert event.name == "CHANNEL_HANGUP_COMPLETE"  # so CHANNEL_CREATE was not delivered
    assert event.get("Unique-ID") == "6f0c3a52"
    assert event.get("Caller-Caller-ID-Name") == "Zoë Martin"
    assert event.get("Caller-Caller-ID-Number") == "+33123456789"
    assert event.get("Channel-Name") == "sofia/internal/1001@example.com"
    assert list(event.headers.items()) == sent  # every header, in FreeSWITCH's order
    assert [name for name, _ in sent[:3]] == ["Event-Name", "Core-UUID", "FreeSWITCH-Hostname"]


def test_event_subscription_json_custom_subclass(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    reply = client.events("json", ["CUSTOM", "sofia::register", "sofia::unregister"])
    assert reply == "+OK event listener enabled json"
    assert fs.commands[-1] == "event json CUSTOM sofia::register sofia::unregister"
    fs.fire("CUSTOM", {"profile-name": "internal"}, subclass="sofia::gateway_state")
    fs.fire("CUSTOM", {"from-user": "1001", "contact": '"Zoë" <sip:1001@10.0.0.5:5060;ob>'},
            subclass="sofia::register")
    event = client.recv_event()
    assert event is not None
    assert (event.name, event.subclass) == ("CUSTOM", "sofia::register")
    assert event.get("contact") == '"Zoë" <sip:1001@10.0.0.5:5060;ob>'


def test_event_all_filter_and_noevents(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    client.events("plain", ["ALL"])
    assert client.filter("Unique-ID", "abc") == "+OK filter added. [Unique-ID]=[abc]"
    fs.fire("CHANNEL_CREATE", {"Unique-ID": "other"})
    fs.fire("CHANNEL_CREATE", {"Unique-ID": "abc"})
    event = client.recv_event()
    assert event is not None and event.get("Unique-ID") == "abc"
    assert client.noevents() == "+OK no longer listening for events"
    assert client.noevents() == "-ERR not listening for events"


def test_recv_event_times_out_with_none(client: ESLClient) -> None:
    client.events("plain", ["HEARTBEAT"])
    assert client.recv_event(timeout=0.05) is None
    assert client.connected  # an idle wait is not an error


def test_bad_event_names_are_refused(client: ESLClient) -> None:
    with pytest.raises(ESLCommandError) as info:
        client.events("plain", ["NOT_AN_EVENT"])
    assert info.value.reply == "-ERR no keywords supplied"
    with pytest.raises(ValueError):
        client.events("xml", ["ALL"])


def test_every_subscribed_connection_gets_the_event(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    other = ESLClient()
    other.connect(fs.host, fs.port, PASSWORD)
    try:
        client.events("plain", ["BACKGROUND_JOB"])
        other.events("json", ["BACKGROUND_JOB"])
        job = client.bgapi("status")
        mine, theirs = client.wait_for_job(job), other.wait_for_job(job)
        assert mine is not None and theirs is not None
        assert mine == theirs  # same event, plain on one connection and json on the other
    finally:
        other.close()


# ------------------------------------------------------- disconnects / timeouts
def test_connection_dropped_mid_api_raises_connection_lost(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    fs.set_api_response("status", FakeFreeSWITCH.NO_REPLY)
    dropper = threading.Thread(target=lambda: (fs.wait_for_command("api status"), fs.drop_connections()))
    dropper.start()
    with pytest.raises(ESLConnectionLost) as info:
        client.api("status", timeout=30)  # would be ESLTimeout if it hung
    dropper.join()
    assert info.value.error_id == "esl.connection_lost"
    assert "api status" in info.value.message and "closed the connection" in info.value.message
    assert not client.connected
    with pytest.raises(ESLNotConnected) as again:
        client.api("status")
    assert "connection lost earlier" in again.value.message


def test_server_crash_during_api(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    fs.set_api_response("reloadxml", FakeFreeSWITCH.DROP)
    with pytest.raises(ESLConnectionLost):
        client.api("reloadxml", timeout=30)


def test_disconnect_notice_mid_api_raises_connection_lost(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    fs.set_api_response("reloadxml", FakeFreeSWITCH.DISCONNECT)
    with pytest.raises(ESLConnectionLost) as info:
        client.api("reloadxml", timeout=30)
    assert "text/disconnect-notice" in info.value.message


def test_drop_while_waiting_for_events(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    client.events("plain", ["ALL"])
    dropper = threading.Thread(target=lambda: (fs.wait_for_subscription(), fs.drop_connections()))
    dropper.start()
    with pytest.raises(ESLConnectionLost):
        client.recv_event(timeout=30)
    dropper.join()


def test_no_reply_times_out_and_closes(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    fs.set_api_response("status", FakeFreeSWITCH.NO_REPLY)
    with pytest.raises(ESLTimeout) as info:
        client.api("status", timeout=0.2)
    assert info.value.error_id == "esl.timeout"
    assert "0.2s" in info.value.message and "api status" in info.value.message
    assert not client.connected


def test_all_errors_share_the_base_class() -> None:
    for cls in (ESLAuthError, ESLCommandError, ESLConnectError, ESLConnectionLost, ESLNotConnected, ESLTimeout):
        assert issubclass(cls, ESLError)
        assert cls.error_id.startswith("esl.")


def test_close_sends_exit(fs: FakeFreeSWITCH, client: ESLClient) -> None:
    client.close()
    assert fs.wait_for_command("exit") == "exit"
    assert not client.connected
    client.close()  # idempotent


# ------------------------------------------------------ the fake's own fidelity
def test_fake_exit_and_bad_auth_bytes_match_freeswitch(fs: FakeFreeSWITCH) -> None:
    assert len(DISCONNECT_NOTICE.split(b"\n\n", 1)[1]) == 67
    with socket.create_connection(fs.address, timeout=5) as sock:
        sock.sendall(f"api status\n\nauth {PASSWORD}\n\nexit\n\n".encode())
        data = read_until_eof(sock)
    assert data == (
        b"Content-Type: auth/request\n\n"
        b"Content-Type: command/reply\nReply-Text: -ERR command not found\n\n"
        b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
        b"Content-Type: command/reply\nReply-Text: +OK bye\n\n" + DISCONNECT_NOTICE
    )
    with socket.create_connection(fs.address, timeout=5) as sock:
        sock.sendall(b"auth nope\n\n")
        data = read_until_eof(sock)
    assert data == (
        b"Content-Type: auth/request\n\n"
        b"Content-Type: command/reply\nReply-Text: -ERR invalid\n\n" + DISCONNECT_NOTICE
    )


def test_fake_bgapi_reply_bytes(fs: FakeFreeSWITCH) -> None:
    with socket.create_connection(fs.address, timeout=5) as sock:
        sock.sendall(f"auth {PASSWORD}\n\nbgapi status\n\nexit\n\n".encode())
        data = read_until_eof(sock)
    job = "00000000-0000-4000-8000-000000000001"
    assert f"Content-Type: command/reply\nReply-Text: +OK Job-UUID: {job}\nJob-UUID: {job}\n\n".encode() in data
