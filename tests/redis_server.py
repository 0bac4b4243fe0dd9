"""A redis-server of the test's own, on an ephemeral port, that the test can
stop and start again (the shared Redis must never be stopped)."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from freeswitch_real import free_port


def wait_until(condition: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    """Poll ``condition`` (the state of another process) until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class OwnRedis:
    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is required for the Redis outage tests (apt-get install redis-server)",
                        pytrace=False)
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.exceptions.RedisError:
            return False

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.answers, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(30)
            self.proc = None
        assert not self.answers()


class LogLines:
    """The lines a subprocess writes on a stream, read as they come."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for raw in stream:
            with self._cond:
                self.lines.append(raw.decode(errors="replace") if isinstance(raw, bytes) else raw)
                self._cond.notify_all()

    def wait_for(self, text: str, after: int = 0, timeout: float = 60) -> int:
        """Index of the first line from ``after`` on that contains ``text``."""
        def found() -> int | None:
            return next((i for i in range(after, len(self.lines)) if text in self.lines[i]), None)

        with self._cond:
            assert self._cond.wait_for(lambda: found() is not None, timeout), (
                f"no log line with {text!r}:\n" + "".join(self.lines[-30:]))
            index = found()
            assert index is not None
            return index
