"""The channel thread of the fake outbound FreeSWITCH: it executes the
applications our side sent (one at a time), hangs the channel up (the
hangup events, then the linger notice or the disconnect), transfers it, and
runs the simple applications (``set``, ``export``, ``answer``, ``park``...);
``bridge`` is in :mod:`.outbound_bridge`."""

from __future__ import annotations

import time

from .outbound_wire import CAUSE_CODES


class ChannelMixin:
    """:class:`~fake_freeswitch.outbound.FakeOutboundCall`'s channel thread
    and applications (but ``bridge``)."""

    # ------------------------------------------------------ channel thread
    def _channel_main(self) -> None:
        try:
            self._channel_loop()
        except Exception as exc:  # noqa: BLE001 - surfaced to the test through .error
            with self._cond:
                self.error = f"fake outbound channel crashed: {exc!r}"
                self._stopping = True
                self._cond.notify_all()
            self._close_socket("fake")
        finally:
            with self._cond:
                if not self._done and (self._stopping or self._sock_closed):
                    self._mark_done()
                self._cond.notify_all()

    def _channel_loop(self) -> None:
        while True:
            with self._cond:
                ok = self._cond.wait_for(
                    lambda: self._stopping or self._work or self._hangup_req is not None
                    or (self._peer_gone and not self.down and not self.transferred)
                    or (self._peer_gone and self._done),
                    timeout=max(0.0, self._remaining()))
                if self._stopping:
                    return
                if not ok:
                    break
                if self._hangup_req is not None and not self.down:
                    cause, origin = self._hangup_req
                    item = None
                elif self._peer_gone and not self.down and not self.transferred:
                    # CF_CONTROLLED is cleared: the socket app returns, the dialplan goes on
                    cause, origin, item = "NORMAL_CLEARING", "socket", None
                elif self._work:
                    item = self._work.popleft()
                    cause = origin = ""
                else:
                    return  # our side is gone and the session is over
            if item is None:
                self._hangup(cause, origin)
                self._finish_hangup()
                return
            kind, app, arg, event_uuid, done = item
            try:
                if kind == "hangup":
                    self._hangup(app.strip().upper() or "NORMAL_CLEARING", "app")
                else:
                    self._execute(app, arg, event_uuid)
            finally:
                if done is not None:
                    done.set()
            if self.down:
                self._finish_hangup()
                return
            if self.transferred and self._transfer_args is not None and not self._done:
                with self._cond:
                    self._mark_done()
        self._expire()

    def _execute(self, app: str, arg: str, event_uuid: str | None) -> None:
        """switch_ivr_parse_event() + switch_core_session_exec()."""
        with self._cond:
            if self.down or self.transferred:
                return
            self.executed.append((app, arg))
            self._cond.notify_all()
        app_uuid = event_uuid or f"a99a0000-0000-4000-8000-{next(self._app_ids):012x}"
        expanded = self._expand(arg) if arg else ""
        self._set_var("current_loop", "1")
        self._set_var("total_loops", "1")
        self._set_var("current_application", app)
        self._set_var("current_application_data", expanded or None)
        data = [("Application-Data", expanded)] if expanded else []
        self._fire("CHANNEL_EXECUTE", [("Application", app), *data, ("Application-UUID", app_uuid)])
        self._set_var("current_application", app)
        self._last_app = (app, expanded)
        handler = getattr(self, f"_app_{app}", None)
        if handler is not None:
            handler(expanded)
        self._fire("CHANNEL_EXECUTE_COMPLETE", [("Application", app), *data, ("Application-Response", "_none_"),
                                                ("Application-UUID", app_uuid)])
        self._set_var("current_loop", None)
        self._set_var("total_loops", None)
        if app == "transfer" and self.transferred:
            self._leave_socket()

    # --------------------------------------------------------- hangup path
    def _hangup(self, cause: str, origin: str) -> None:
        """switch_channel_hangup(): CHANNEL_HANGUP now, the rest after the app."""
        if cause not in CAUSE_CODES:
            cause = "NORMAL_CLEARING"
        with self._cond:
            if self.down:
                return
            self.down = True
            self.hangup_cause = cause
            self._hangup_origin = origin
            self._hangup_req = None
            self._times["hangup"] = int(time.time() * 1_000_000)
            self._cond.notify_all()
        self._fire("CHANNEL_HANGUP")
        if self.early_linger_notice and self._linger is not None and not self._sock_closed:
            self._linger_sent = True
            self._emit(self._linger_notice())

    def _finish_hangup(self) -> None:
        """The channel is down and the running app returned: the rest of the
        hangup events, then the linger notice or the disconnect."""
        if not self.transferred:
            self._fire("CHANNEL_UNPARK")
            self._fire("CHANNEL_EXECUTE_COMPLETE", [
                ("Application", "socket"), ("Application-Data", self._socket_data),
                ("Application-Response", "_none_"), ("Application-UUID", self._socket_app_uuid)])
        with self._cond:
            self.state = "CS_HANGUP"
        self._fire("CHANNEL_STATE")
        with self._cond:
            self.state, self.callstate = "CS_REPORTING", "HANGUP"
        self._fire("CHANNEL_STATE")
        cause = self.hangup_cause or "NORMAL_CLEARING"
        start = self._times["created"] // 1_000_000
        answer = self._times["answered"] // 1_000_000
        end = self._times["hangup"] // 1_000_000
        code = CAUSE_CODES.get(cause, 16)
        q850 = code if code <= 127 else 16  # switch_channel_cause_q850()
        for name, value in [("hangup_cause", cause), ("hangup_cause_q850", str(q850)),
                            ("start_epoch", str(start)), ("answer_epoch", str(answer)), ("end_epoch", str(end)),
                            ("duration", str(max(0, end - start))),
                            ("billsec", str(max(0, end - answer)) if answer else "0"),
                            ("last_app", self._last_app[0] if self._last_app else "socket"),
                            ("last_arg", self._last_app[1] if self._last_app else self._socket_data)]:
            self._set_var(name, value)
        self._fire("CHANNEL_HANGUP_COMPLETE", prefix=[("Hangup-Cause", cause)])
        with self._cond:
            self._mark_done()
            lingering = self._linger is not None and not self._sock_closed
            linger_time = self._linger
        if not lingering:
            self._emit(self._disconnect_notice())
            self._await_flush()
            self._close_socket("fake")
            return
        if not self._linger_sent:
            self._linger_sent = True
            self._emit(self._linger_notice())
        wait = self.max_linger if linger_time is None or linger_time < 0 else min(linger_time, self.max_linger)
        with self._cond:
            self._cond.wait_for(lambda: self._sock_closed or self._stopping, timeout=max(0.0, wait))
        # linger timeout: listener_run() ends with send_disconnect()
        self._emit(self._disconnect_notice())
        self._await_flush()
        self._close_socket("fake")

    def _mark_done(self) -> None:
        """Compute :attr:`result` (call with the lock held)."""
        if self._done:
            return
        self._done = True
        if self._transfer_args is not None:
            self._result = f"transferred:{self._transfer_args}"
        elif self._bridged_target is not None:
            self._result = f"bridged:{self._bridged_target}"
        elif self._hangup_origin == "caller":
            self._result = "caller_hung_up"
        elif self._hangup_origin in ("app", "kill", "bridge", "after_bridge"):
            self._result = f"hangup:{self.hangup_cause}"
        else:
            self._result = "socket_closed"
        self._cond.notify_all()

    # ------------------------------------------------------------ transfer
    def _app_transfer(self, data: str) -> None:
        words = data.split()
        if not words:
            return
        ext = words[0]
        dialplan = words[1] if len(words) > 1 else "XML"
        with self._cond:
            context = words[2] if len(words) > 2 else dict(self._profile).get("Context", "default")
            self._transfer_args = data
            self.transferred = True
            self._times["transfer"] = int(time.time() * 1_000_000)
        self._set_var("transfer_history", f"{int(time.time())}:{self.uuid}:bl_xfer:{ext}/{context}/{dialplan}")
        self._set_var("transfer_source", f"{int(time.time())}:{self.uuid}:bl_xfer:{ext}/{context}/{dialplan}")

    def _leave_socket(self) -> None:
        """The park loop sees CF_TRANSFER: the socket app returns and the
        channel routes again; the listener keeps the session (no disconnect)."""
        self._fire("CHANNEL_UNPARK")
        self._fire("CHANNEL_EXECUTE_COMPLETE", [
            ("Application", "socket"), ("Application-Data", self._socket_data),
            ("Application-Response", "_none_"), ("Application-UUID", self._socket_app_uuid)])
        words = (self._transfer_args or "").split()
        with self._cond:
            prof = dict(self._profile)
            prof["Destination-Number"] = words[0] if words else prof.get("Destination-Number", "")
            if len(words) > 2:
                prof["Context"] = words[2]
            prof["Profile-Index"] = "2"
            self._profile = list(prof.items())
            self.state = "CS_ROUTING"
        self._fire("CHANNEL_STATE")
        with self._cond:
            self.state = "CS_EXECUTE"
        self._fire("CHANNEL_STATE")
        with self._cond:
            self._mark_done()

    # ------------------------------------------------------ simple apps
    def _app_set(self, data: str) -> None:
        name, _, value = data.partition("=")
        if name.strip():
            self._set_var(name.strip(), value or None)

    def _app_unset(self, data: str) -> None:
        if data.strip():
            self._set_var(data.strip(), None)

    def _app_multiset(self, data: str) -> None:
        delim = " "
        if data.startswith("^^") and len(data) > 2:
            delim, data = data[2], data[3:]
        for item in data.split(delim):
            self._app_set(item)

    def _app_export(self, data: str) -> None:
        local = True
        if data.startswith("nolocal:"):
            local, data = False, data[len("nolocal:"):]
        name, _, value = data.partition("=")
        name = name.strip()
        if not name:
            return
        if local:
            self._set_var(name, value or None)
        with self._cond:
            exported = [v for v in self.variables.get("export_vars", "").split(",") if v]
        if name not in exported:
            exported.append(name)
        self._set_var("export_vars", ",".join(exported))

    def _app_answer(self, data: str) -> None:
        if self.answered:
            return
        with self._cond:
            self.answered = True
            self._times["answered"] = int(time.time() * 1_000_000)
        self._fire("CHANNEL_ANSWER")
        with self._cond:
            self.callstate = "ACTIVE"
        self._set_var("endpoint_disposition", "ANSWER")

    def _app_pre_answer(self, data: str) -> None:
        if self.answered or self.early:
            return
        with self._cond:
            self.early = True
            self._times["progress_media"] = int(time.time() * 1_000_000)
        self._fire("CHANNEL_PROGRESS_MEDIA")
        with self._cond:
            self.callstate = "EARLY"
        self._set_var("endpoint_disposition", "EARLY MEDIA")

    def _app_ring_ready(self, data: str) -> None:
        if self.answered or self.ring_ready:
            return
        with self._cond:
            self.ring_ready = True
            self._times["progress"] = int(time.time() * 1_000_000)
        self._fire("CHANNEL_PROGRESS")

    def _app_hangup(self, data: str) -> None:
        self._hangup(data.strip().upper() or "NORMAL_CLEARING", "app")

    def _app_park(self, data: str) -> None:
        # park only returns when the channel hangs up (or the fake stops)
        with self._cond:
            self._cond.wait_for(lambda: self._hangup_req is not None or self._stopping,
                                timeout=max(0.0, self._remaining()))
            req = self._hangup_req
        if req is not None:
            self._hangup(*req)
