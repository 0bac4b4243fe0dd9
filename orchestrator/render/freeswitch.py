"""Render the FreeSWITCH configuration tree: a pure function from a
snapshot (plus platform settings and the node) to ``{relative path: bytes}``.

Same input, same bytes. Per-tenant files (directory, tenant context, the
tenant's numbers in the public context) can be rendered alone, so that one
change re-renders one tenant.

One tenant's bad data never stops the others: each tenant is rendered inside
a guard (:func:`checked_tenant_files`). A tenant whose row is unusable
(domain, time zone), whose rendering raises, or whose files are not
well-formed XML is left out and reported as a :class:`TenantFailure`; its
files on a node must stay as last applied (:attr:`RenderedTree.keep`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.names import domain_problem
from orchestrator.domain.topology import Node, Platform

from ..db.models import AudioFile, Line, Tenant
from .jinja import TEMPLATES, environment
from .routes import route_extensions
from .snapshot import Snapshot, TenantSnap
from .timezones import posix_tz
from .views import Stream, did_pattern, fax_view, line_view, reception_view, streams

MODULES = (
    "mod_console", "mod_logfile", "mod_event_socket", "mod_sofia", "mod_loopback", "mod_commands",
    "mod_dptools", "mod_db", "mod_hash", "mod_expr", "mod_dialplan_xml", "mod_voicemail", "mod_spandsp",
    "mod_sndfile", "mod_native_file", "mod_local_stream", "mod_tone_stream", "mod_say_en", "mod_json_cdr",
    "mod_sms",
)
BEEP, SILENCE_SHORT = "%(200,0,800)", "%(100,100,0)"
VOICEMAIL_MACROS = tuple(
    (f"voicemail_{name}", BEEP if name in ("record_message", "record_greeting", "record_name", "enter_id",
                                           "enter_pass", "menu", "config_menu") else SILENCE_SHORT)
    for name in (
        "abort", "ack", "change_pass_fail", "change_pass_success", "choose_greeting", "choose_greeting_fail",
        "config_menu", "disk_quota_exceeded", "enter_id", "enter_pass", "fail_auth",
        "forward_message_enter_extension", "forward_prepend", "goodbye", "greeting_selected", "hello",
        "invalid_extension", "listen_file_check", "menu", "message_count", "play_greeting", "record_file_check",
        "record_greeting", "record_message", "record_name", "record_urgent_check", "say_date",
        "say_message_number", "say_name", "say_number", "say_phone_number",
    )
)
EMPTY_INCLUDE = b"<include>\n</include>\n"
# Files whose change needs more than reloadxml (P-3).
SOFIA_FILES = ("autoload_configs/sofia.conf.xml",)
LOCAL_STREAM_FILES = ("autoload_configs/local_stream.conf.xml",)
DEFAULT_ZONE = "Europe/Paris"

log = logging.getLogger(__name__)


def _render(name: str, **values: Any) -> bytes:
    return environment().get_template(f"freeswitch/{name}").render(**values).encode("utf-8")


def tenant_files(t: TenantSnap, snapshot: Snapshot, platform: Platform) -> dict[str, bytes]:
    """The three files of one tenant."""
    lines = [line_view(line, t, snapshot, platform) for line in t.lines]
    faxes = [fax_view(f, platform) for f in t.faxes]
    receptions = [reception_view(r) for r in t.receptions]
    specials = [reception_view(s) for s in t.specials]
    common = dict(t=t, lines=lines, faxes=faxes, receptions=receptions, specials=specials, platform=platform,
                  gateway=platform.gateway)
    directory, tenant_context, public = tenant_paths(t.domain)
    return {
        directory: _render("directory/tenant.xml", **common),
        tenant_context: _render("dialplan/tenant.xml", short_numbers=t.short_numbers,
                                routes=route_extensions(t, snapshot, platform), **common),
        public: _render("dialplan/public_tenant.xml", fax_command=platform.fax_deliver_command, **common),
    }


def tenant_paths(domain: str) -> tuple[str, str, str]:
    """The three files of the tenant whose SIP domain is ``domain``."""
    return f"directory/{domain}.xml", f"dialplan/tenants/{domain}.xml", f"dialplan/public/{domain}.xml"


def _safe_paths(domain: str) -> tuple[str, ...]:
    """The tenant's paths, if its domain can name a file at all (a planted
    ``../x`` or empty domain names none)."""
    if not domain or "/" in domain or "\\" in domain or "\0" in domain or domain in (".", ".."):
        return ()
    return tenant_paths(domain)


@dataclass(frozen=True)
class TenantFailure:
    """A tenant left out of a rendering, and why."""

    tenant_id: int
    name: str
    domain: str
    error: str
    paths: tuple[str, ...]  # its files, to be left on the node as last applied

    def __str__(self) -> str:
        return f"tenant {self.name!r} ({self.domain}) not rendered, its files left as last applied: {self.error}"


@dataclass
class RenderedTree:
    """A node's tree without the tenants that failed, and those tenants."""

    files: dict[str, bytes]
    failed: list[TenantFailure] = field(default_factory=list)

    @property
    def keep(self) -> set[str]:
        """Paths an apply must neither write nor remove: the failed tenants'
        files as they are on the node."""
        return {rel for f in self.failed for rel in f.paths if rel not in self.files}

    @property
    def failed_ids(self) -> set[int]:
        return {f.tenant_id for f in self.failed}


def _tenant_problem(t: TenantSnap) -> str | None:
    problem = domain_problem(t.domain)
    if problem:
        return f"sip_domain: {problem}"
    try:
        posix_tz(t.tenant.timezone)
    except ValueError as exc:
        return f"timezone: {exc}"
    return None


def _not_well_formed(files: dict[str, bytes]) -> str | None:
    """The first file that is not XML (expat without handlers: builds
    nothing, a third of the cost of parsing into a tree)."""
    for rel, body in files.items():
        try:
            expat.ParserCreate().Parse(body, True)
        except expat.ExpatError as exc:
            return f"{rel} is not well-formed XML ({exc})"
    return None


def checked_tenant_files(t: TenantSnap, snapshot: Snapshot, platform: Platform) -> dict[str, bytes] | TenantFailure:
    """:func:`tenant_files`, or the failure that keeps this tenant out."""
    raised: Exception | None = None
    try:
        problem = _tenant_problem(t)
        if problem is None:
            files = tenant_files(t, snapshot, platform)
            problem = _not_well_formed(files)
            if problem is None:
                return files
    except Exception as exc:  # noqa: BLE001 - one tenant's data must never stop the others
        raised = exc
        problem = f"rendering failed: {type(exc).__name__}: {exc}"
    log.error("tenant not rendered, its files are left as last applied", exc_info=raised,
              extra={"tenant": t.tenant.name, "tenant_id": t.id, "domain": t.domain, "error": problem})
    return TenantFailure(t.id, t.tenant.name, t.domain, problem, _safe_paths(t.domain))


@dataclass(frozen=True)
class PlatformData:
    """What the platform files need from all tenants: mailboxes reachable
    from the remote-access number, and hold-music streams."""

    vm_boxes: tuple[tuple[str, tuple[str, ...]], ...]
    streams: tuple[Stream, ...]
    timezones: tuple[str, ...] = ()


def platform_data(snapshot: Snapshot, platform: Platform) -> PlatformData:
    boxes = []
    for t in snapshot.tenants:
        users = tuple(line.sip_username for line in t.lines if line.vm_enabled and line.vm_pin)
        if users and domain_problem(t.domain) is None:
            boxes.append((t.domain, users))
    audio = [a for t in snapshot.tenants for a in t.audio.values()]
    zones = tuple(sorted({t.tenant.timezone for t in snapshot.tenants}))
    return PlatformData(tuple(boxes), tuple(streams(audio, platform)), zones)


def load_platform_data(session: Session, platform: Platform) -> PlatformData:
    """The same as :func:`platform_data`, from two light queries instead of a
    full snapshot (a one-tenant apply must not load every tenant)."""
    boxes: dict[str, list[str]] = {}
    for domain, user in session.execute(
            select(Tenant.sip_domain, Line.sip_username).join(Line, Line.tenant_id == Tenant.id)
            .where(Line.vm_enabled.is_(True), Line.vm_pin.is_not(None)).order_by(Tenant.sip_domain, Line.number)):
        boxes.setdefault(domain, []).append(user)
    audio = session.scalars(select(AudioFile).where(AudioFile.category == "hold_music"))
    zones = tuple(session.scalars(select(Tenant.timezone).distinct().order_by(Tenant.timezone)))
    return PlatformData(tuple((d, tuple(u)) for d, u in boxes.items() if domain_problem(d) is None),
                        tuple(streams(audio, platform)), zones)


def zone_rules(names: Iterable[str]) -> list[tuple[str, str]]:
    """(zone, POSIX rule) for timezones.conf. A zone that has none (a bad
    tenant row) is left out: that tenant is reported by its own rendering."""
    out = []
    for name in sorted(set(names) | {DEFAULT_ZONE}):
        try:
            out.append((name, posix_tz(name)))
        except ValueError as exc:
            log.warning("time zone left out of timezones.conf", extra={"timezone": name[:80], "error": str(exc)})
    return out


def platform_files(data: PlatformData, platform: Platform, node: Node) -> dict[str, bytes]:
    """Everything that is not one tenant's."""
    modules = list(MODULES) + (["mod_xml_curl"] if platform.mode == "xml_curl" else [])
    vm_remote = None
    if platform.voicemail_access_number:
        vm_remote = {"did_pattern": did_pattern(platform.voicemail_access_number)}
    common = dict(platform=platform, gateway=platform.gateway, node=node)
    files = {
        "freeswitch.xml": _render("freeswitch.xml", **common),
        "vars.xml": _render("vars.xml", **common),
        "voicemail.tpl": (TEMPLATES / "freeswitch" / "voicemail.tpl").read_bytes(),
        "lang/en.xml": _render("lang/en.xml", macros=VOICEMAIL_MACROS, **common),
        "autoload_configs/db.conf.xml": _render("autoload_configs/db.conf.xml"),
        "autoload_configs/json_cdr.conf.xml": _render("autoload_configs/json_cdr.conf.xml", **common),
        "autoload_configs/timezones.conf.xml": _render("autoload_configs/timezones.conf.xml",
                                                       timezones=zone_rules(data.timezones)),
        "autoload_configs/modules.conf.xml": _render("autoload_configs/modules.conf.xml", modules=modules),
        "autoload_configs/switch.conf.xml": _render("autoload_configs/switch.conf.xml", **common),
        "autoload_configs/console.conf.xml": _render("autoload_configs/console.conf.xml", **common),
        "autoload_configs/logfile.conf.xml": _render("autoload_configs/logfile.conf.xml", **common),
        "autoload_configs/event_socket.conf.xml": _render(
            "autoload_configs/event_socket.conf.xml", node_esl_ip=node.esl_host, **common),
        "autoload_configs/sofia.conf.xml": _render("autoload_configs/sofia.conf.xml",
                                                   sip_ip=node.sip_ip or platform.sip_ip, **common),
        "autoload_configs/voicemail.conf.xml": _render("autoload_configs/voicemail.conf.xml", **common),
        "autoload_configs/local_stream.conf.xml": _render("autoload_configs/local_stream.conf.xml",
                                                          streams=data.streams),
        "autoload_configs/spandsp.conf.xml": _render("autoload_configs/spandsp.conf.xml", **common),
        "autoload_configs/xml_curl.conf.xml": _render("autoload_configs/xml_curl.conf.xml", **common),
        "dialplan/public.xml": _render("dialplan/public.xml", vm_remote=vm_remote, **common),
        "dialplan/centrex.xml": _render("dialplan/centrex.xml", vm_remote_boxes=data.vm_boxes, **common),
        "dialplan/public/00-platform.xml": EMPTY_INCLUDE,
        "dialplan/tenants/00-platform.xml": EMPTY_INCLUDE,
        "directory/00-platform.xml": EMPTY_INCLUDE,
    }
    return files


def render_node(snapshot: Snapshot, platform: Platform, node: Node,
                data: PlatformData | None = None) -> RenderedTree:
    """The tree of one node: the platform files (from ``data``, or from
    ``snapshot`` when it holds every tenant) and the files of each tenant of
    ``snapshot`` that renders; the others in :attr:`RenderedTree.failed`.
    In xml_curl mode (P-5) the directory and dialplan are served over HTTP
    by the same functions instead of written as files."""
    files = platform_files(data if data is not None else platform_data(snapshot, platform), platform, node)
    failed = []
    if platform.mode == "files":
        for t in snapshot.tenants:
            out = checked_tenant_files(t, snapshot, platform)
            if isinstance(out, TenantFailure):
                failed.append(out)
            else:
                files.update(out)
    return RenderedTree(dict(sorted(files.items())), failed)


def render_tenants(snapshot: Snapshot, data: PlatformData, platform: Platform, node: Node) -> dict[str, bytes]:
    """Platform files plus the files of the tenants in ``snapshot`` only
    (without those that fail: :func:`render_node` says which)."""
    return render_node(snapshot, platform, node, data).files


def render_tree(snapshot: Snapshot, platform: Platform, node: Node) -> dict[str, bytes]:
    """The complete configuration tree of one node (without the tenants
    that fail: :func:`render_node` says which, and apply must use it)."""
    return render_node(snapshot, platform, node).files
