"""Render the FreeSWITCH configuration tree: a pure function from a
snapshot (plus platform settings and the node) to ``{relative path: bytes}``.

Same input, same bytes. Per-tenant files (directory, tenant context, the
tenant's numbers in the public context) can be rendered alone, so that one
change re-renders one tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    return {
        f"directory/{t.domain}.xml": _render("directory/tenant.xml", **common),
        f"dialplan/tenants/{t.domain}.xml": _render("dialplan/tenant.xml", short_numbers=t.short_numbers,
                                                    routes=route_extensions(t, snapshot, platform), **common),
        f"dialplan/public/{t.domain}.xml": _render("dialplan/public_tenant.xml",
                                                   fax_command=platform.fax_deliver_command, **common),
    }


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
        if users:
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
    return PlatformData(tuple((d, tuple(u)) for d, u in boxes.items()), tuple(streams(audio, platform)), zones)


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
        "autoload_configs/timezones.conf.xml": _render("autoload_configs/timezones.conf.xml", timezones=[
            (name, posix_tz(name)) for name in sorted(set(data.timezones) | {"Europe/Paris"})]),
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


def render_tenants(snapshot: Snapshot, data: PlatformData, platform: Platform, node: Node) -> dict[str, bytes]:
    """Platform files plus the files of the tenants in ``snapshot`` only."""
    files = platform_files(data, platform, node)
    if platform.mode == "files":
        for t in snapshot.tenants:
            files.update(tenant_files(t, snapshot, platform))
    return dict(sorted(files.items()))


def render_tree(snapshot: Snapshot, platform: Platform, node: Node) -> dict[str, bytes]:
    """The complete configuration tree of one node, in files mode. In
    xml_curl mode (P-5) the directory and dialplan are served over HTTP by
    the same functions instead of written as files."""
    files = platform_files(platform_data(snapshot, platform), platform, node)
    if platform.mode == "files":
        for t in snapshot.tenants:
            files.update(tenant_files(t, snapshot, platform))
    return dict(sorted(files.items()))
