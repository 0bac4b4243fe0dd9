"""Hostile input on every user-editable field: nothing a company admin types
becomes markup, channel-variable expansion, a pre-processor command, a
regular expression or a new line in the rendered FreeSWITCH tree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import sqlite_migrated_engine  # noqa: E402,F401  (SQLite only here)
from render_helpers import fix_secrets, render

from orchestrator.cli.demo_cmds import demo_yaml
from orchestrator.domain.errors import ValidationFailed
from orchestrator.tenantdoc import importer

PAYLOADS = [
    '"/><action application="bridge" data="sofia/gateway/x/1"/>',
    "${system(id)}",
    "$${default_password}",
    '<X-PRE-PROCESS cmd="exec" data="id"/>',
    "a--b --> ]]> <!--",
    r".*|^$ (a)\1 [x] {2}",
    "; rm -rf / #`id` $(id) && echo",
    "Zoé & Ça l'été \"quoted\" 😀",
]
NEWLINES = ["a\nb", "a\rb", "a\x00b"]
ROOT = Path(__file__).resolve().parent.parent

# (path in the tenant document, how to set it) for every free-text field
TEXT_FIELDS = [
    ("tenant.name", lambda d, v: d["tenant"].__setitem__("name", v)),
    ("tenant.postal_address", lambda d, v: d["tenant"].__setitem__("postal_address", v)),
    ("lines[0].label", lambda d, v: d["lines"][0].__setitem__("label", v)),
    ("lines[1].offer", lambda d, v: d["lines"][1].__setitem__("offer", v)),
    ("fax_lines[0].label", lambda d, v: d["fax_lines"][0].__setitem__("label", v)),
    ("directory contact names", lambda d, v: d["directory"]["lists"][0]["contacts"][0].update(first_name=v, last_name=v,
                                                                                               company=v, city=v)),
    ("directory list name", lambda d, v: d["directory"]["lists"][1].__setitem__("name", v)),
    ("reception label", lambda d, v: d["reception_numbers"][0].__setitem__("label", v)),
    ("special label", lambda d, v: d["special_numbers"][0].__setitem__("label", v)),
    ("device name and key label", lambda d, v: (d["devices"][0].__setitem__("name", v[:80]),
                                                d["devices"][0]["keys"][0].__setitem__("label", v[:40]))),
]


def demo_data():
    return importer.load_yaml(demo_yaml())


def load(rt, data):
    with rt.context() as ctx:
        importer.import_document(ctx, data)
    with rt.context() as ctx:
        fix_secrets(ctx)
        return render(ctx)


def structure(files: dict[str, bytes]) -> dict[str, int]:
    """Counts of what matters: actions by application, pre-processor lines."""
    counts: dict[str, int] = {}
    for rel, data in files.items():
        if not rel.endswith(".xml"):
            continue
        root = ET.fromstring(data)  # every file still parses
        for el in root.iter():
            key = el.tag if el.tag != "action" else f"action:{el.get('application')}"
            counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.fixture
def baseline(rt):
    files = load(rt, demo_data())
    with rt.context() as ctx:
        from orchestrator.services.tenants import service as tenants_service
        tenants_service.delete_tenant(ctx, ctx.tenant("Bauer SA"))
        ctx.commit()
    return structure(files)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field,setter", TEXT_FIELDS, ids=[f for f, _ in TEXT_FIELDS])
def test_payload_stays_data(rt, baseline, field, setter, payload):
    data = demo_data()
    setter(data, payload)
    try:
        files = load(rt, data)
    except ValidationFailed as exc:  # refusing is fine too, as long as it says why
        assert all(e.message for e in exc.errors)
        return
    assert structure(files) == baseline
    text = b"\n".join(files.values()).decode("utf-8")
    assert "${system(id)}" not in text
    assert "$${default_password}" not in text
    assert 'data="sofia/gateway/x/1"' not in text
    for rel, data_ in files.items():
        for line in data_.decode().splitlines():
            assert "rm -rf" not in line or "$(" not in line.split("rm -rf")[0], rel


@pytest.mark.parametrize("payload", NEWLINES)
@pytest.mark.parametrize("field,setter", [f for f in TEXT_FIELDS if f[0] != "tenant.postal_address"],
                         ids=[f for f, _ in TEXT_FIELDS if f != "tenant.postal_address"])
def test_line_breaks_are_refused(rt, field, setter, payload):
    data = demo_data()
    setter(data, payload)
    with pytest.raises(ValidationFailed) as exc:
        load(rt, data)
    refusal = "text.nul" if "\x00" in payload else "text.control_chars"  # NUL: refused by every schema (issue 15)
    assert any(e.error_id == refusal for e in exc.value.errors), exc.value.errors


@pytest.mark.parametrize("number", ["+33175000101$", "0175000101|.*", "017500010(1)", "${system(id)}", "0175\n000101"])
def test_numbers_cannot_carry_regex_or_expansion(rt, number):
    data = demo_data()
    data["lines"][0]["forwards"] = {"no_answer": number}
    with pytest.raises(ValidationFailed) as exc:
        load(rt, data)
    assert any(e.field == "lines[0].forwards.no_answer" for e in exc.value.errors)


@pytest.mark.parametrize("field,value", [
    ("sip_password", "pa ss${x}word"), ("email", "${system(id)}@x.example"), ("email", '"a"@x.example'),
    ("pin", "12${x}"), ("short_number", "2.*"), ("sip_username", "../../etc"),
])
def test_secrets_and_identifiers_have_safe_shapes(rt, field, value):
    data = demo_data()
    line = data["lines"][0]
    if field == "sip_password":
        line["sip"] = {"password": value}
    elif field == "sip_username":
        line["sip"] = {"username": value}
    elif field in ("email", "pin"):
        line["voicemail"][field] = value
    else:
        line[field] = value
    with pytest.raises(ValidationFailed):
        load(rt, data)


def test_labels_keep_their_text(rt):
    data = demo_data()
    data["lines"][0]["label"] = "Zoé ${x} & co"
    files = load(rt, data)
    root = ET.fromstring(files["directory/bauer.centrex.test.xml"])
    names = [v.get("value") for v in root.iter("variable") if v.get("name") == "effective_caller_id_name"]
    assert "Zoé $ {x} & co" in names  # shown as typed, minus the expansion


HOSTILE_ZONES = ["right/UTC", "Europe", "x" * 300, "posix/Europe/Paris", "../../../etc/passwd", "localtime",
                 "Europe/Paris\x00"]


@pytest.mark.parametrize("zone", HOSTILE_ZONES, ids=lambda z: repr(z[:20]))
def test_hostile_timezones_are_refused_by_the_import(rt, zone):
    """Each of these was stored, then broke every tenant's render
    (UnicodeDecodeError, IsADirectoryError, OSError)."""
    data = demo_data()
    data["tenant"]["timezone"] = zone
    with pytest.raises(ValidationFailed) as exc:
        load(rt, data)
    expected = "text.nul" if "\x00" in zone else "timezone.invalid"  # a NUL is refused before any field rule
    assert [(e.error_id, e.field) for e in exc.value.errors] == [(expected, "tenant.timezone")]
    assert expected == "text.nul" or "IANA" in exc.value.errors[0].message


@pytest.mark.parametrize("domain", ["127.0.0.1", "::1", "[::1]", "bauer.example<!--", "a b.example", "../../etc",
                                    "bauer.example\x00", "xn--zz.example", "a" * 64 + ".example"])
def test_hostile_domains_are_refused_by_the_import(rt, domain):
    data = demo_data()
    data["tenant"]["sip_domain"] = domain
    with pytest.raises(ValidationFailed) as exc:
        load(rt, data)
    expected = "text.nul" if "\x00" in domain else "domain.invalid"  # a NUL is refused before any field rule
    assert [(e.error_id, e.field) for e in exc.value.errors] == [(expected, "tenant.sip_domain")]


@pytest.mark.parametrize("domain,stored", [("a--b.example", "a--b.example"),
                                           ("xn--bcher-kva.example", "xn--bcher-kva.example"),
                                           ("bücher.example", "xn--bcher-kva.example")])
def test_domains_with_double_dashes_stay_data(rt, baseline, domain, stored):
    """``--`` used to reach ``<!-- ... -->`` comments: three files were not XML."""
    data = demo_data()
    data["tenant"]["sip_domain"] = domain
    files = load(rt, data)
    assert structure(files) == baseline  # every file parses, nothing added
    for rel in (f"directory/{stored}.xml", f"dialplan/tenants/{stored}.xml", f"dialplan/public/{stored}.xml"):
        assert rel in files


def test_no_template_puts_a_value_in_an_xml_comment():
    """``--`` may not appear in an XML comment: no value goes into one."""
    import re

    from orchestrator.render.jinja import TEMPLATES

    found = []
    for path in sorted((TEMPLATES / "freeswitch").rglob("*")):
        if path.is_file():
            for comment in re.findall(r"<!--.*?-->", path.read_text(encoding="utf-8"), re.S):
                if "{{" in comment or "{%" in comment:
                    found.append(f"{path.relative_to(TEMPLATES)}: {comment[:60]}")
    assert found == []


# --- hostile YAML documents (issue 15, item 5) ------------------------------------------------------------


def alias_bomb(levels: int = 11, width: int = 9) -> bytes:
    """Directory lists nested through aliases: ~730 bytes, width**levels
    lists once expanded (a 771-byte one reached 2.9 GB in 44 s)."""
    out = ["version: 1", "tenant: {name: Bomb, sip_domain: bomb.example}", "directory:", "  lists:",
           "    - &a {name: a}"]
    prev = "a"
    for name in "bcdefghijklmnop"[:levels - 1]:
        out.append(f"    - &{name} {{name: {name}, lists: [" + ", ".join([f"*{prev}"] * width) + "]}")
        prev = name
    return ("\n".join(out) + "\n").encode()


def demo_with(**top) -> bytes:
    text = demo_yaml()
    for key, value in top.items():
        text = text.replace("version: 1\n", f"{key}: {value}\n", 1)
    return text.encode()


HOSTILE_YAML = {
    "alias bomb": (alias_bomb(), "yaml.alias"),
    "an anchor alone": (b"version: 1\ntenant: &t {name: A, sip_domain: a.example}\n", "yaml.alias"),
    "[ x 20000": (b"[" * 20000, "yaml.depth"),
    "{a: x 20000": (b"{a: " * 20000, "yaml.depth"),
    "deep block mappings": ("".join(" " * i + f"k{i}:\n" for i in range(3000)).encode(), "yaml.depth"),
    "deep block sequences": (b"- " * 20000 + b"x\n", "yaml.depth"),
    "binary file": (bytes(range(256)) * 64, "document.encoding"),
    "UTF-16 text": ("version: 1\n".encode("utf-16"), "document.encoding"),
    "50 MB file": (b"# padding\n" * (5 * 1024 * 1024), "document.too_large"),
    "version 99": (demo_with(version=99), "document.version"),
    "version true": (demo_with(version="true"), "document.version"),
    "version '1'": (demo_with(version="'1'"), "document.version"),
    "two documents": (b"version: 1\n---\nversion: 1\n", "yaml.documents"),
    "duplicate key": (b"version: 1\nversion: 1\n", "yaml.duplicate_key"),
    "merge key": (b"version: 1\ntenant:\n  <<: {name: A}\n", "yaml.merge"),
    "python tag": (b"version: !!python/object/apply:os.system [id]\n", "yaml.tag"),
    "set tag": (b"tenant: !!set {a}\n", "yaml.tag"),
    "complex key": (b"? [a, b]\n: 1\n", "yaml.key"),
    "5000-digit integer": (b"version: " + b"9" * 5000 + b"\n", "yaml.value"),
    "31 February": (b"version: 1\nwhen: 2024-02-31\n", "yaml.value"),
    "NUL byte": (b"version: 1\x00\n", "yaml.syntax"),
}


@pytest.mark.parametrize("raw,error_id", HOSTILE_YAML.values(), ids=HOSTILE_YAML.keys())
def test_hostile_yaml_is_refused_with_a_stable_id(raw, error_id):
    with pytest.raises(ValidationFailed) as exc:
        importer.parse_document(importer.load_bytes(raw))
    assert [e.error_id for e in exc.value.errors] == [error_id]
    assert all(e.message and "Traceback" not in e.message for e in exc.value.errors)


def test_text_with_lone_surrogates_is_an_encoding_error():
    with pytest.raises(ValidationFailed) as exc:
        importer.load_yaml("version: 1\ntenant: {name: \udc80}\n")
    assert [e.error_id for e in exc.value.errors] == ["document.encoding"]


def _limits() -> None:  # in the child: bounded memory and CPU, so an expansion fails the test, not the machine
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (768 * 2**20, 768 * 2**20))
    resource.setrlimit(resource.RLIMIT_CPU, (20, 20))


def run_bounded(tmp_path, *args: str):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ORCHESTRATOR_CONFIG", "REDIS_URL")}
    env["ORCHESTRATOR_VAR"] = str(tmp_path / "var")
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, whatever the venv was installed from
    code = "import sys; from orchestrator.cli.main import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, preexec_fn=_limits, timeout=120)


@pytest.mark.parametrize("case", ["alias bomb", "[ x 20000", "deep block mappings", "binary file", "50 MB file",
                                  "version 99", "python tag"])
def test_cli_import_refuses_hostile_yaml_within_bounds(tmp_path, case):
    """``orchestrator tenant import``: 768 MB of address space and 20 s of
    CPU are enough to refuse each, with one line and no traceback."""
    raw, error_id = HOSTILE_YAML[case]
    (tmp_path / "doc.yaml").write_bytes(raw)
    proc = run_bounded(tmp_path, "tenant", "import", "--dry-run", "doc.yaml")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and f"[{error_id}]" in proc.stderr, proc.stderr[-2000:]
    assert "nothing was changed" in proc.stderr


def test_a_document_at_the_size_limit_is_read_within_bounds(tmp_path):
    """The cap is usable: 10 MB of contacts (about 130,000) is read in bounded
    memory and time."""
    from orchestrator.tenantdoc import reader

    entry = b'  - {first_name: Jean, last_name: Dupont, numbers: [{number: "+33612345678"}]}\n'
    raw = b"contacts:\n" + entry * ((reader.MAX_BYTES - 20) // len(entry))
    assert len(raw) <= reader.MAX_BYTES
    (tmp_path / "big.yaml").write_bytes(raw)
    import subprocess
    import sys

    code = ("import sys; from orchestrator.tenantdoc import reader; "
            "print(len(reader.read_bytes(open(sys.argv[1], 'rb').read())['contacts']))")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "big.yaml")], capture_output=True, text=True,
                          cwd=ROOT, preexec_fn=_limits, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert int(proc.stdout) == (reader.MAX_BYTES - 20) // len(entry)


def test_exported_documents_read_the_same_as_before(rt):
    """The safe reader gives exactly what yaml.safe_load gave for real documents."""
    import yaml

    load(rt, demo_data())
    with rt.context() as ctx:
        from orchestrator.tenantdoc import export
        text = export.export_yaml(ctx, ctx.tenant("Bauer SA"))
    for doc in (demo_yaml(), text):
        assert importer.load_yaml(doc) == yaml.safe_load(doc)
        assert importer.load_bytes(doc.encode("utf-8-sig")) == yaml.safe_load(doc)  # a BOM is fine
