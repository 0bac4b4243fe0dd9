"""Fax reception (F-1) end to end on a real FreeSWITCH (``FREESWITCH_BIN``,
with mod_spandsp).

The demo tenant (its fax line +33175000110, « Fax Commandes », mails to
commandes@bauer.example) is imported and applied, with the fax delivery
command pointing at this checkout's ``orchestrator fax deliver`` and a
configuration file whose SMTP server is a sink of the test. FreeSWITCH then
calls the fax line from the carrier side (a real INVITE into its own
external profile, as in ``test_live_freeswitch``) and sends a one-page
TIFF-F with mod_spandsp's ``txfax`` over G.711 (PCMU, T.38 refused by the
sender). The rendered fax extension receives it with ``rxfax`` into the
line's spool, and its hangup hook delivers it: one e-mail with a one-page
PDF reaches the fax line's address.

Before ed482e5 (apply creates every directory FreeSWITCH writes into) the
line's spool did not exist and ``rxfax`` failed with ``TIFF/F file cannot
be opened``: no e-mail.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from freeswitch_real import needs_freeswitch, platform_with_ports, running_freeswitch
from helpers import sqlite_migrated_engine  # noqa: E402,F401  (SQLite only here)
from render_helpers import PLATFORM
from smtp_sink import smtp_sink

from orchestrator.apply.engine import esl_reloader
from orchestrator.apply.service import apply
from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.esl import ESLClient
from orchestrator.tenantdoc import importer

pytestmark = [pytest.mark.freeswitch, needs_freeswitch]
FAX = "+33175000110"
FAX_EMAIL = "commandes@bauer.example"
WIDTH, HEIGHT = 1728, 400  # fax width (A4 at 204 dpi); a short page at 196 lines per inch


def make_fax_tiff(path: Path) -> None:
    """A one-page TIFF-F: a 1728-pixel-wide bilevel image, G3 (T.4)
    compressed, 204×196 dpi, as fax machines and spandsp expect."""
    row_bytes = WIDTH // 8
    rows = []
    for y in range(HEIGHT):
        # black bars and a checkerboard band: something for the pages to carry
        if 40 <= y < 60 or 340 <= y < 360:
            rows.append(b"\xff" * row_bytes)
        elif 120 <= y < 280:
            rows.append(bytes(0xFF if (x // 2 + y // 16) % 2 else 0 for x in range(row_bytes)))
        else:
            rows.append(b"\x00" * row_bytes)
    pbm = path.with_suffix(".pbm")
    pbm.write_bytes(f"P4\n{WIDTH} {HEIGHT}\n".encode() + b"".join(rows))
    subprocess.run(["ppm2tiff", "-c", "g3", "-R", "196", str(pbm), str(path)], check=True, capture_output=True)
    subprocess.run(["tiffset", "-s", "282", "204", str(path)], check=True, capture_output=True)  # XResolution


def pdf_page_count(pdf: bytes) -> int:
    """The page count of the PDF's page tree (its root ``/Pages`` node)."""
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    assert counts, "the PDF has no page tree"
    return max(counts)


def freeswitch_log(root: Path) -> str:
    log = root / "log" / "freeswitch.log"
    return log.read_text(errors="replace")[-4000:] if log.exists() else "(no log)"


def test_fax_received_over_g711_is_mailed_as_pdf(rt, tmp_path):
    with rt.context() as ctx:
        importer.import_document(ctx, importer.load_yaml(demo_yaml()))
    with smtp_sink() as (sink, smtp_port):
        # the configuration FreeSWITCH's hangup hook runs ``orchestrator fax deliver`` with
        config = tmp_path / "orchestrator.toml"
        config.write_text(f'database_url = "{rt.engine.url.render_as_string(hide_password=False)}"\n'
                          f'var_dir = "{tmp_path / "var"}"\n'
                          f"smtp_port = {smtp_port}\n"
                          'smtp_from = "fax@centrex.test"\n')
        orchestrator = Path(sys.executable).parent / "orchestrator"
        platform = replace(platform_with_ports(PLATFORM, tmp_path),
                           fax_deliver_command=f"{orchestrator} --config {config} fax deliver")
        with rt.context() as ctx:
            apply(ctx.session, platform, esl_reloader(timeout=1))
        spool = platform.spool_dir / "fax" / FAX.lstrip("+")
        send = tmp_path / "send.tif"
        make_fax_tiff(send)

        with running_freeswitch(tmp_path, platform.esl_port) as (_proc, esl):
            events = ESLClient()
            events.connect("127.0.0.1", platform.esl_port, "ClueCon")
            try:
                events.events("plain", ["CUSTOM", "spandsp::rxfaxresult"])
                # the carrier's call: G.711 only, and the sender refuses T.38
                esl.bgapi(f"originate {{absolute_codec_string=PCMU,fax_enable_t38=false,"
                          f"origination_caller_id_number=0140000000,originate_timeout=30}}"
                          f"sofia/external/{FAX}@127.0.0.1:{platform.external_port} &txfax({send})")
                received = events.wait_for_event(
                    lambda ev: ev.get("Event-Subclass") == "spandsp::rxfaxresult", timeout=120)
            finally:
                events.close()
            assert received is not None, f"no fax reception ended:\n{freeswitch_log(tmp_path)}"
            result = {k: received.get(k) for k in ("fax-success", "fax-result-text", "fax-document-transferred-pages",
                                                   "fax-transfer-rate", "fax-t38-status")}
            assert received.get("fax-success") == "1", f"{result}\n{freeswitch_log(tmp_path)}"
            assert received.get("fax-document-transferred-pages") == "1", result
            # over G.711: the receiver asked for T.38, the carrier side refused it
            assert (received.get("fax-t38-status"), received.get("fax-transfer-rate")) == ("refused", "14400"), result
            [msg] = sink.wait(1, timeout=60)

    assert msg["To"] == FAX_EMAIL and sink.envelopes[0].rcpt_tos == [FAX_EMAIL]
    assert "Fax Commandes" in msg["Subject"] and FAX in msg["Subject"]
    [pdf] = list(msg.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    data = pdf.get_content()
    assert data.startswith(b"%PDF") and pdf_page_count(data) == 1
    [tiff] = list(spool.glob("*.tif"))  # the received fax, kept in the line's spool
    assert received.get("variable_fax_filename") == str(tiff), result
    info = subprocess.run(["tiffinfo", str(tiff)], capture_output=True, text=True, check=True).stdout
    assert f"Image Width: {WIDTH}" in info, info
