"""Entry points of the two gevent processes. gevent patches the standard
library first thing, before anything else is imported."""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
import redis  # noqa: E402

from orchestrator.config import platform_from_settings  # noqa: E402
from orchestrator.live.hunt import MemoryOrder, Order, RedisOrder, ResilientOrder  # noqa: E402
from orchestrator.runtime import Runtime, configure_logging  # noqa: E402

from .events_service import EventService  # noqa: E402
from .hunt_server import HuntServer  # noqa: E402

log = logging.getLogger("esl_handlers")


def _common(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", default=None, help="TOML configuration file")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--node", default=None, help="node name (default: every configured node)")
    parser.add_argument("--port", type=int, default=None, help="hunt-group service port")
    return parser.parse_args()


def events_main() -> int:
    args = _common("Centrex event service: registrations, call log, voicemail counters, click-to-call progress")
    configure_logging(args.log_level.upper())
    rt = Runtime.from_environment(args.config)
    platform = platform_from_settings(rt.settings)
    nodes = [platform.node(args.node)] if args.node else list(platform.nodes)
    services = [EventService(rt, node, cdr_dir=platform.spool_dir / "cdr") for node in nodes]
    greenlets = [gevent.spawn(s.run) for s in services]

    def stop(*_: object) -> None:
        log.info("stopping on signal")
        for s in services:
            s.stop()

    gevent.signal_handler(signal.SIGTERM, stop)
    gevent.signal_handler(signal.SIGINT, stop)
    gevent.joinall(greenlets)
    log.info("stopped")
    return 0


def hunt_main() -> int:
    args = _common("Centrex hunt-group service (outbound event socket)")
    configure_logging(args.log_level.upper())
    rt = Runtime.from_environment(args.config)
    platform = platform_from_settings(rt.settings)
    order: Order
    if rt.settings.redis_url:
        # short timeouts: a call must not wait long on a dead Redis; while it is
        # away the order is kept in memory, and Redis is used again when it is back
        conn = redis.Redis.from_url(rt.settings.redis_url, socket_connect_timeout=1, socket_timeout=2)
        order = ResilientOrder(RedisOrder(conn, rt.settings.redis_prefix), errors=(redis.exceptions.RedisError,))
    else:
        log.warning("no REDIS_URL: the successive order is kept in memory and lost on restart")
        order = MemoryOrder()
    host, _, port = platform.hunt_service.partition(":")
    server = HuntServer(rt, platform, order, host=host, port=args.port or int(port or 8084))
    server.start()
    done = gevent.event.Event()

    def stop(*_: object) -> None:
        log.info("stopping on signal: finishing calls in progress")
        server.stop()
        done.set()

    gevent.signal_handler(signal.SIGTERM, stop)
    gevent.signal_handler(signal.SIGINT, stop)
    done.wait()
    log.info("stopped")
    return 0
