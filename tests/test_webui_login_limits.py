"""Issue 15 items 7 and 2 (login half): login
limiting per canonical account and per address, the owner never locked
out by someone else, trusted proxies only when configured, and logins
going on while Redis is down."""

from __future__ import annotations

import logging
import socket
import subprocess
import uuid
from dataclasses import replace

import pytest
import redis
from webui_helpers import ADMIN, PIERRE, csrf, load_demo, make_app

from webui.auth.limiting import LoginLimits
from webui.common.ratelimit import MemoryLimiter

# 13 spellings of Pierre's line, each accepted as his login
SPELLINGS = ["+33175000101", "33175000101", "0175000101", "01 75 00 01 01", "01.75.00.01.01", "01-75-00-01-01",
             "+33 1 75 00 01 01", "+33 (0)1 75 00 01 01", "0033175000101", "+33-1-75-00-01-01", "(01) 75 00 01 01",
             "+33.1.75.00.01.01", "0 175 000 101"]


def client_at(app, address: str, **headers: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.environ_base.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    return client


def try_login(client, login: str, password: str) -> int:
    return client.post("/login", data={"csrf_token": csrf(client), "login": login, "password": password}).status_code


def test_13_spellings_of_one_line_give_5_guesses_not_65(rt):
    load_demo(rt)
    app = make_app(rt)
    attacker = client_at(app, "198.51.100.7")
    statuses = [try_login(attacker, spelling, f"guess-{i}") for spelling in SPELLINGS for i in range(5)]
    assert len(statuses) == 65
    assert statuses.count(401) == 5  # passwords actually checked
    assert statuses.count(429) == 60
    assert try_login(attacker, PIERRE[0], PIERRE[1]) == 429  # even the right one, from there, for now


def test_an_attacker_at_one_address_cannot_lock_out_the_owner_at_another(rt):
    load_demo(rt)
    app = make_app(rt)
    attacker = client_at(app, "198.51.100.7")
    for spelling in SPELLINGS:
        for i in range(5):
            try_login(attacker, spelling, f"guess-{i}")
    for i in range(40):
        try_login(attacker, ADMIN[0].upper() if i % 2 else ADMIN[0], f"guess-{i}")
    assert try_login(attacker, ADMIN[0], ADMIN[1]) == 429
    # the owners, from their own addresses, never having logged in there before
    assert try_login(client_at(app, "203.0.113.20"), "01 75 00 01 01", PIERRE[1]) == 302
    assert try_login(client_at(app, "203.0.113.21"), ADMIN[0], ADMIN[1]) == 302


def test_many_addresses_cannot_lock_out_the_owner_on_a_known_browser(rt):
    """The per-account budget (20 failures in 15 min over all addresses)
    stops a distributed guesser; the owner's browser, where they logged in
    before, holds a device cookie and is not stopped by it."""
    load_demo(rt)
    app = make_app(rt)
    owner = client_at(app, "203.0.113.20")
    assert try_login(owner, ADMIN[0], ADMIN[1]) == 302
    owner.post("/logout", data={"csrf_token": csrf(owner)})
    statuses = [try_login(client_at(app, f"198.51.100.{n}"), ADMIN[0], f"guess-{n}-{i}")
                for n in range(10) for i in range(5)]
    assert statuses.count(401) == 20  # the account's budget, over every address
    assert try_login(client_at(app, "198.51.100.99"), ADMIN[0], ADMIN[1]) == 429  # a new address waits
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.50"  # the owner's browser, even from elsewhere
    assert try_login(owner, ADMIN[0], ADMIN[1]) == 302


def test_one_address_spraying_many_accounts_is_stopped(rt):
    load_demo(rt)
    app = make_app(rt)
    sprayer = client_at(app, "198.51.100.8")
    statuses = [try_login(sprayer, f"someone{i}@bauer.example", "guess") for i in range(35)]
    assert statuses.count(401) == 30 and statuses[-1] == 429
    assert try_login(client_at(app, "203.0.113.20"), ADMIN[0], ADMIN[1]) == 302


def test_forwarded_for_is_ignored_without_a_configured_proxy(rt):
    load_demo(rt)
    app = make_app(rt)
    statuses = [try_login(client_at(app, "198.51.100.7", **{"X-Forwarded-For": f"10.9.0.{i}"}), ADMIN[0], "bad")
                for i in range(10)]
    assert statuses.count(401) == 5


def test_forwarded_for_counts_behind_a_configured_proxy(rt):
    load_demo(rt)
    rt.settings = replace(rt.settings, proxy_hops=1)
    app = make_app(rt)
    proxy = "10.0.0.1"
    attacker = client_at(app, proxy, **{"X-Forwarded-For": "198.51.100.7"})
    assert [try_login(attacker, ADMIN[0], "bad") for _ in range(6)].count(429) == 1
    # the owner comes through the same proxy, from another address
    assert try_login(client_at(app, proxy, **{"X-Forwarded-For": "203.0.113.20"}), ADMIN[0], ADMIN[1]) == 302


def test_failed_logins_are_logged_without_the_password(rt, caplog):
    load_demo(rt)
    app = make_app(rt)
    with caplog.at_level(logging.WARNING, logger="webui.auth"):
        assert try_login(client_at(app, "198.51.100.7"), "01 75 00 01 01", "s3cret-guess") == 401
    failed = [r for r in caplog.records if getattr(r, "event", None) == "login.failed"]
    assert len(failed) == 1
    assert failed[0].account == PIERRE[0] and failed[0].address == "198.51.100.7" and failed[0].known_account
    assert all("s3cret-guess" not in repr(vars(r)) for r in caplog.records)


def test_a_limit_expires_after_its_window(rt):
    load_demo(rt)
    now = [1000.0]
    clock = lambda: now[0]  # noqa: E731
    limits = LoginLimits(MemoryLimiter(5, 300, clock), MemoryLimiter(30, 300, clock), MemoryLimiter(20, 900, clock))
    app = make_app(rt, LOGIN_LIMITS=limits)
    client = client_at(app, "198.51.100.7")
    assert [try_login(client, ADMIN[0], "bad") for _ in range(6)].count(429) == 1
    now[0] += 301
    assert try_login(client, ADMIN[0], ADMIN[1]) == 302


# --- Redis down ------------------------------------------------------------

class OwnRedis:
    """A redis-server of this test's own on an ephemeral port (the shared
    one on 6379 is never touched)."""

    def __init__(self, tmp_path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.dir = tmp_path
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # wait for the server to say it is ready
            if "Ready to accept connections" in line:
                return
        raise AssertionError(f"redis-server did not start (exit {self.proc.wait()})")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_logins_go_on_while_redis_is_down_and_go_back_to_it(rt, own_redis, caplog):
    load_demo(rt)
    prefix = f"centrex-test-{uuid.uuid4().hex[:8]}"
    rt.settings = replace(rt.settings, redis_url=own_redis.url, redis_prefix=prefix)
    app = make_app(rt, LOGIN_REDIS_RETRY=0)
    conn = redis.Redis.from_url(own_redis.url)
    attacker, owner = client_at(app, "198.51.100.7"), client_at(app, "203.0.113.20")

    assert try_login(attacker, ADMIN[0], "bad") == 401
    assert conn.keys(f"{prefix}:login-client:*"), "with Redis up, failures are counted in Redis"

    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="webui"):
        assert try_login(owner, ADMIN[0], ADMIN[1]) == 302
        statuses = [try_login(attacker, PIERRE[0], "bad") for _ in range(7)]
    assert statuses == [401] * 5 + [429] * 2  # still limited, in memory
    events = [getattr(r, "event", None) for r in caplog.records]
    assert events.count("ratelimit.redis_down") == 1  # once per outage, not per request

    caplog.clear()
    own_redis.start()
    with caplog.at_level(logging.WARNING, logger="webui"):
        assert try_login(attacker, "nobody@bauer.example", "bad") == 401
        assert try_login(owner, PIERRE[0], PIERRE[1]) == 302
    conn = redis.Redis.from_url(own_redis.url)  # a new server: empty until now
    assert conn.keys(f"{prefix}:login-client:*"), "back in Redis once it answers"
    assert [getattr(r, "event", None) for r in caplog.records].count("ratelimit.redis_back") == 1


def test_proxy_hops_comes_from_the_file_or_the_environment(tmp_path):
    from orchestrator.config import load_settings

    assert load_settings(env={}).proxy_hops == 0
    assert load_settings(env={"PROXY_HOPS": "2"}).proxy_hops == 2
    cfg = tmp_path / "o.toml"
    cfg.write_text("proxy_hops = 1\n")
    assert load_settings(cfg, env={}).proxy_hops == 1
