"""The session thread of the fake outbound FreeSWITCH (the listener): it
connects to our server, reads our commands and answers them (``connect``,
``myevents``/``event``/``nixevent``, ``linger``, ``sendmsg``, ``api``,
``bgapi``...), and, in sync (static) mode, holds the events fired while an
application runs until its reply is sent."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from .outbound_wire import MYEVENTS, _PacketReader
from .server import EVENT_NAMES, api_response, command_reply, serialize_plain


class SessionMixin:
    """:class:`~fake_freeswitch.outbound.FakeOutboundCall`'s session thread,
    command handling and ``api``."""

    # ------------------------------------------------------ session thread
    def _session_main(self) -> None:
        try:
            sock = socket.create_connection(self.address, timeout=self.connect_timeout)
        except OSError as exc:
            with self._cond:
                self.error = f"cannot connect to {self.address[0]}:{self.address[1]}: {exc}"
                self._sock_closed = True
                self._stopping = True
                self._mark_done()
                self._cond.notify_all()
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._cond:
            if self._stopping:
                sock.close()
                self._sock_closed = True
                return
            self._sock = sock
            self._cond.notify_all()
        reader = _PacketReader()
        try:
            while True:
                remaining = self._remaining()
                if remaining <= 0:
                    self._expire()
                    return
                try:
                    sock.settimeout(remaining)  # (closed by the channel thread: EBADF)
                    data = sock.recv(65536)
                except TimeoutError:
                    self._expire()
                    return
                except OSError:
                    return
                if not data:
                    return
                for line, headers, body in reader.feed(data):
                    with self._cond:
                        self.commands.append(line)
                        self._cond.notify_all()
                    if not self._handle(line, headers, body):
                        return
        finally:
            self._close_socket("peer")
            with self._cond:
                self._peer_gone = True
                self._cond.notify_all()

    def _handle(self, line: str, headers: dict[str, str], body: bytes) -> bool:
        """parse_command() for an outbound (``async full``) listener; False ends it."""
        verb, _, rest = line.partition(" ")
        verb = verb.lower()
        rest = rest.strip()
        if verb == "exit" or line.startswith("..."):
            self._reply("+OK bye")
            self._send(self._disconnect_notice())
            self._close_socket("exit")
            return False
        if verb == "connect":
            self._connect()
        elif verb == "myevents":
            self._myevents(rest)
        elif verb == "linger":
            try:
                seconds = int(rest) if rest else -1
            except ValueError:
                seconds = 0  # atoi()
            with self._cond:
                self._linger = seconds
            self._reply("+OK will linger" if seconds == -1 else f"+OK will linger {seconds} seconds")
        elif verb == "nolinger":
            with self._cond:
                self._linger = None
            self._reply("+OK will not linger")
        elif verb == "resume":
            self._set_var("socket_resume", "true")
            self._reply("+OK")
        elif verb == "getvar":
            with self._cond:
                value = self.variables.get(rest, "")
            self._reply(value)
        elif verb == "divert_events":
            if not rest:
                self._reply("-ERR missing value.")
            else:
                self._reply("+OK events diverted" if rest.lower() == "on" else "+OK events not diverted")
        elif verb == "sendmsg":
            self._sendmsg(rest, headers, body)
        elif verb == "api" and rest:
            self._api(rest)
        elif verb == "bgapi" and rest:
            self._bgapi(rest, headers)
        elif verb == "event":
            self._reply(self._subscribe(rest.split()))
        elif verb == "nixevent":
            self._reply(self._nix(rest.split()))
        elif verb == "noevents":
            with self._cond:
                had = bool(self._subs)
                self._subs.clear()
            self._reply("+OK no longer listening for events" if had else "-ERR not listening for events")
        elif verb == "filter":
            header, _, value = rest.partition(" ")
            if not value:
                self._reply("-ERR invalid syntax")
            else:
                with self._cond:
                    self._filters.append((header, value))
                self._reply(f"+OK filter added. [{header}]=[{value}]")
        else:
            self._reply("-ERR command not found")
        return True

    def _connect(self) -> None:
        with self._cond:
            self.connected = True
            pairs = self._standard("CHANNEL_DATA") + self._profile_headers("Channel") + self._basic_data()
            pairs += [("Content-Type", "command/reply"), ("Reply-Text", "+OK\n"),
                      ("Socket-Mode", "async" if self.async_mode else "static"), ("Control", "full")]
        self._send(serialize_plain(pairs, None))

    def _myevents(self, rest: str) -> None:
        with self._cond:
            if "MYEVENTS" in self._subs:
                reply = "-ERR aready enabled."  # sic, mod_event_socket.c
            else:
                self._subs.update(MYEVENTS)
                self._subs.add("MYEVENTS")
                if "xml" in rest.lower():
                    self._fmt = "xml"
                if "json" in rest.lower():
                    self._fmt = "json"
                reply = "+OK Events Enabled"
            park = (self.async_mode and reply.startswith("+OK") and self.connected and not self.executed
                    and not self.down and not self.transferred)
        if self._fmt == "xml":
            self._fmt = "plain"  # switch_event_xmlize is not modelled
        self._reply(reply)
        if park:
            # socket_function() parks the channel once ``connect`` arrived; with
            # FreeSWITCH's event thread lag the CHANNEL_PARK reaches a listener
            # that subscribed right after ``connect`` (seen in every capture).
            self._fire("CHANNEL_PARK")

    def _subscribe(self, words: list[str]) -> str:
        with self._cond:
            if words and words[0].lower() in ("plain", "json", "xml"):
                fmt = words.pop(0).lower()
                self._fmt = "plain" if fmt == "xml" else fmt
            known = 0
            custom = False
            for word in words:
                if custom:
                    continue
                if word.upper() in EVENT_NAMES:
                    known += 1
                    self._subs.add(word.upper())
                    custom = word.upper() == "CUSTOM"
            self._cond.notify_all()
            if not known:
                return "-ERR no keywords supplied"
            return f"+OK event listener enabled {self._fmt}"

    def _nix(self, words: list[str]) -> str:
        with self._cond:
            known = 0
            for word in words:
                name = word.upper()
                if name not in EVENT_NAMES:
                    continue
                known += 1
                if name == "CUSTOM":
                    break  # what follows are subclasses (not modelled)
                if name == "ALL":
                    self._subs.clear()
                    continue
                if "ALL" in self._subs:
                    self._subs.discard("ALL")
                    self._subs.update(n for n in EVENT_NAMES if n not in ("ALL", "CUSTOM"))
                self._subs.discard(name)
            return "+OK events nixed" if known else "-ERR no keywords supplied"

    def _sendmsg(self, rest: str, headers: dict[str, str], body: bytes) -> None:
        target = rest or headers.get("session-id", "")
        if target and target != self.uuid:
            self._reply(f"-ERR invalid session id [{target}]")
            return
        if self.async_mode:
            self._reply("+OK")
        command = headers.get("call-command", "").strip().lower()
        done = None if self.async_mode else threading.Event()
        with self._cond:
            queued = not (self.down or self.transferred)
            if queued and command == "execute":
                app = headers.get("execute-app-name", "").strip()
                arg = headers.get("execute-app-arg", "")
                if not arg and headers.get("content-type", "").lower() == "text/plain":
                    arg = body.decode("utf-8", errors="replace")
                queued = bool(app)
                if app:
                    self._work.append(("execute", app, arg, headers.get("event-uuid"), done))
            elif queued and command == "hangup":
                self._work.append(("hangup", headers.get("hangup-cause", "NORMAL_CLEARING"), "", None, done))
            else:
                queued = False
            if queued and done is not None:
                with self._hold_lock:
                    self._held = []
            self._cond.notify_all()
        if self.async_mode:
            return
        if queued and done is not None:
            # listener_run() in the channel thread: the reply waits for the application
            done.wait(timeout=max(0.0, self._remaining()))
        self._reply_and_flush("+OK")

    def _reply_and_flush(self, text: str) -> None:
        """Sync mode: the reply, then the events queued while the application ran.

        When the application returns with the channel down and no linger
        (the caller was hung up inside a ``bridge``, e.g. by
        ``hangup_after_bridge``), ``read_packet()`` sees the channel down and
        sends the disconnect notice before it ever flushes its event queue:
        those events, the bridge's CHANNEL_EXECUTE_COMPLETE included, are lost
        (seen with real phones on FreeSWITCH 1.11.1, nearly every time)."""
        with self._hold_lock:
            self._send(command_reply(text))
            lost = self.down and self._linger is None
            for data in self._held or []:
                if not lost or _is_notice(data):
                    self._send(data)
            self._held = None
            self._events_lost = lost
        with self._cond:
            self._cond.notify_all()

    def _emit(self, data: bytes) -> None:
        """An event or notice from the channel side: held while a sync-mode
        application runs, else sent (events are dropped once lost, above)."""
        with self._hold_lock:
            if self._held is not None:
                self._held.append(data)
                return
            if getattr(self, "_events_lost", False) and not _is_notice(data):
                return
            self._send(data)

    def _await_flush(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._held is None or self._sock_closed,
                                timeout=max(0.0, self._remaining()))

    # ---------------------------------------------------------------- api
    def _api(self, rest: str) -> None:
        with self._cond:
            self.apis.append(rest)
            self._cond.notify_all()
        cmd, _, args = rest.partition(" ")
        output, after = self._api_output(cmd, args.strip())
        self._send(api_response(output))
        if after:
            after()

    def _bgapi(self, rest: str, headers: dict[str, str]) -> None:
        with self._cond:
            self.apis.append(rest)
            job = headers.get("job-uuid") or f"00000000-0000-4000-8000-{next(self._app_ids):012x}"
        self._reply(f"+OK Job-UUID: {job}", f"Job-UUID: {job}\n")
        cmd, _, args = rest.partition(" ")
        output, after = self._api_output(cmd, args.strip())
        if after:
            after()
        extra = [("Job-UUID", job), ("Job-Command", cmd)] + ([("Job-Command-Arg", args)] if args else [])
        self._fire("BACKGROUND_JOB", extra, channel=False, body=output or "-ERR no reply\n")

    def _is_registered(self, target: str) -> bool:
        return self.registered is None or target in self.registered

    def _api_output(self, cmd: str, args: str) -> tuple[str, Callable[[], None] | None]:
        full = f"{cmd} {args}".strip()
        custom = self.api_responses.get(full, self.api_responses.get(cmd))
        if custom is not None:
            return (custom(args) if callable(custom) else str(custom)), None
        words = args.split()
        if cmd == "sofia_contact":
            target = args.split("/", 1)[1] if "/" in args else args
            if target and self._is_registered(target):
                return f"sofia/internal/sip:{target.split('@')[0]}@127.0.0.1:5062", None
            return "error/user_not_registered", None
        if cmd in ("uuid_kill", "uuid_break", "uuid_exists", "uuid_getvar", "uuid_setvar"):
            uuid = words[0] if words else ""
            with self._cond:
                mine = uuid == self.uuid and not self._sock_closed_and_down()
                leg = next((lg for lg in self.legs if lg.uuid == uuid and lg.state in ("ringing", "answered")),
                           None)
            if cmd == "uuid_exists":
                return ("true" if mine or leg else "false"), None
            if not words:
                return f"-USAGE: {cmd}\n", None
            if not mine and not leg:
                return "-ERR No such channel!\n", None
            if cmd == "uuid_kill":
                cause = words[1].upper() if len(words) > 1 else "NORMAL_CLEARING"
                if mine:
                    return "+OK\n", lambda: self._request_hangup(cause, "kill")
                return "+OK\n", lambda: self._kill_leg(uuid, cause)
            if cmd == "uuid_break":
                return "+OK\n", None
            if cmd == "uuid_getvar":
                if len(words) < 2:
                    return "-USAGE: <uuid> <var>\n", None
                with self._cond:
                    value = self.variables.get(words[1]) if mine else leg.variables.get(words[1])  # type: ignore[union-attr]
                return (value if value is not None else "_undef_"), None
            if len(words) < 2:
                return "-ERR No variable specified\n", None
            value = args.split(None, 2)[2] if len(words) > 2 else None
            if mine:
                self._set_var(words[1], value)
            return "+OK\n", None
        return f"-ERR {cmd} Command not found!\n", None

    def _sock_closed_and_down(self) -> bool:
        # the session exists until the listener lets it go (it holds a read lock)
        return self.down and self._sock_closed

    def _kill_leg(self, uuid: str, cause: str) -> None:
        with self._cond:
            self._leg_kills[uuid] = cause
            self._cond.notify_all()


def _is_notice(data: bytes) -> bool:
    return data.startswith(b"Content-Type: text/disconnect-notice")
