"""CLIR (L-3) on the wire: what the carrier receives when a real SIP phone
(Debian's baresip) on a line with « masquage du numéro » dials out through a
real FreeSWITCH (``FREESWITCH_BIN``). The rendered tree's gateway points at
a SIP peer standing in for the carrier (``tests/sip_carrier.py``), which
records each INVITE as sent.

Hidden: ``From: "Anonymous" <sip:anonymous@anonymous.invalid>``, the line's
identity only in P-Asserted-Identity with ``Privacy: id`` (``[gateway] clir
= "pai"``, the default) or in Remote-Party-ID with ``privacy=full``
(``clir = "rpid"``). A line without CLIR shows its number in From, and an
emergency call from the CLIR line shows it too."""

from __future__ import annotations

from dataclasses import replace

from baresip_phone import baresip_phone
from freeswitch_real import platform_with_ports, running_freeswitch, with_phones
from helpers import sqlite_migrated_engine  # noqa: E402,F401  (SQLite only here)
from render_helpers import PLATFORM
from sip_carrier import header, sip_carrier
from sqlalchemy import select

from orchestrator.apply.engine import esl_reloader
from orchestrator.apply.service import apply
from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.db.models import Line
from orchestrator.tenantdoc import importer

pytestmark = with_phones
D = "bauer.centrex.test"
PIERRE, PAUL = "+33175000101", "+33175000102"
ANONYMOUS_FROM = '"Anonymous" <sip:anonymous@anonymous.invalid>'


def _line(rt, number: str) -> Line:
    with rt.context() as ctx:
        line = ctx.session.scalar(select(Line).where(Line.number == number))
        ctx.session.expunge(line)
        return line


def _dial(rt, root, platform, esl, carrier, number: str, dialled: str, count: int) -> str:
    """``number``'s phone dials ``dialled``; the ``count``-th INVITE the carrier got."""
    line = _line(rt, number)
    with baresip_phone(root / f"phone-{line.sip_username}-{count}", line.sip_username, D, line.sip_password,
                       platform.sip_port, esl, mwi=False) as phone:
        phone.command("dial", dialled)
        invite = carrier.wait_invite(count)
        phone.wait_event("CALL_CLOSED")  # the carrier refused it (486)
    return invite


def _carrier_run(rt, tmp_path, clir_mode: str, calls: list[tuple[str, str]]) -> list[str]:
    with rt.context() as ctx:
        importer.import_document(ctx, importer.load_yaml(demo_yaml()))
        for line in ctx.session.scalars(select(Line).where(Line.number.in_([PIERRE, PAUL]))):
            line.clir = line.number == PIERRE
        ctx.session.commit()
    with sip_carrier() as carrier:
        base = platform_with_ports(PLATFORM, tmp_path)
        platform = replace(base, gateway=replace(base.gateway, proxy=f"127.0.0.1:{carrier.port}", clir=clir_mode))
        with rt.context() as ctx:
            apply(ctx.session, platform, esl_reloader(timeout=1))
        with running_freeswitch(tmp_path, platform.esl_port) as (_proc, esl):
            return [_dial(rt, tmp_path, platform, esl, carrier, number, dialled, i + 1)
                    for i, (number, dialled) in enumerate(calls)]


def _no_identity(value: str | None, line: Line) -> None:
    assert value is not None
    assert "175000101" not in value and line.sip_username not in value
    assert line.label not in value


def test_a_hidden_number_reaches_the_carrier_as_anonymous_with_p_asserted_identity(rt, tmp_path):
    """Pierre's line hides its number, Paul's does not: Pierre dials
    0 01 45 00 00 00, Paul the same, then Pierre 112."""
    hidden, shown, emergency = _carrier_run(rt, tmp_path, "pai", [
        (PIERRE, "00145000000"), (PAUL, "00145000000"), (PIERRE, "112")])
    pierre = _line(rt, PIERRE)
    frm = header(hidden, "From")
    assert frm.split(";tag=")[0] == ANONYMOUS_FROM
    _no_identity(frm, pierre)
    pai = header(hidden, "P-Asserted-Identity")
    assert pai is not None and "<sip:+33175000101@" in pai, hidden
    assert header(hidden, "Privacy") == "id"
    assert header(hidden, "Remote-Party-ID") is None and header(hidden, "P-Preferred-Identity") is None
    assert "anonymous.invalid" not in pai  # the asserted identity names our host, not the anonymous one
    assert hidden.split(" ", 2)[1].startswith("sip:+33145000000@")  # still the number dialled

    # a line without CLIR: its number (and name) in From, no privacy asked
    frm = header(shown, "From")
    assert "<sip:+33175000102@" in frm and "Anonymous" not in frm
    assert header(shown, "Privacy") in (None, "none")

    # an emergency call from the hidden line shows the number
    frm = header(emergency, "From")
    assert "<sip:+33175000101@" in frm and "anonymous" not in frm.lower(), emergency
    assert header(emergency, "Privacy") in (None, "none")


def test_a_hidden_number_with_a_carrier_that_reads_remote_party_id(rt, tmp_path):
    """``[gateway] clir = "rpid"``: From is anonymous the same way; the
    identity goes in Remote-Party-ID with privacy=full."""
    (hidden,) = _carrier_run(rt, tmp_path, "rpid", [(PIERRE, "00145000000")])
    frm = header(hidden, "From")
    assert frm.split(";tag=")[0] == ANONYMOUS_FROM
    _no_identity(frm, _line(rt, PIERRE))
    rpid = header(hidden, "Remote-Party-ID")
    assert rpid is not None and "<sip:+33175000101@" in rpid and "privacy=full" in rpid, hidden
    assert header(hidden, "P-Asserted-Identity") is None


