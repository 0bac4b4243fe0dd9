"""On-demand delivery for mod_xml_curl (P-5): the directory domain or the
dialplan context FreeSWITCH asks for, from the same renderer as the files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.domain.topology import Node, Platform

from ..db.models import Tenant
from .freeswitch import TenantFailure, checked_tenant_files, platform_data, platform_files
from .snapshot import load_snapshot
from .walker import load_contexts

NOT_FOUND = (b'<?xml version="1.0" encoding="UTF-8"?>\n<document type="freeswitch/xml">\n'
             b'  <section name="result">\n    <result status="not found"/>\n  </section>\n</document>\n')


def _document(section: str, element: ET.Element) -> bytes:
    doc = ET.Element("document", type="freeswitch/xml")
    sec = ET.SubElement(doc, "section", name=section)
    sec.append(element)
    body: bytes = ET.tostring(doc, encoding="utf-8")  # typeshed: Any for an encoding other than "unicode"
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def directory(session: Session, platform: Platform, node: Node, domain: str) -> bytes:
    tenant = session.scalar(select(Tenant).where(Tenant.sip_domain == domain))
    if tenant is None:
        return NOT_FOUND
    snapshot = load_snapshot(session, [tenant.id])
    files = checked_tenant_files(snapshot.tenants[0], snapshot, platform)
    if isinstance(files, TenantFailure):  # logged; FreeSWITCH keeps what it has cached
        return NOT_FOUND
    element = ET.fromstring(files[f"directory/{domain}.xml"]).find("domain")
    return _document("directory", element) if element is not None else NOT_FOUND


def domain_names(session: Session) -> bytes:
    """Every tenant's SIP domain, names only: what mod_sofia asks (``purpose``
    ``gateways``, no domain) for a profile's ``<domain name="all"
    alias="true" parse="false"/>``, so that each becomes an alias of the
    internal profile (the chat API finds the profile by domain, C-2)."""
    section = ET.Element("section", name="directory")
    for name in session.scalars(select(Tenant.sip_domain).order_by(Tenant.sip_domain)):
        ET.SubElement(section, "domain", name=name)
    doc = ET.Element("document", type="freeswitch/xml")
    doc.append(section)
    body: bytes = ET.tostring(doc, encoding="utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def dialplan(session: Session, platform: Platform, node: Node, context: str) -> bytes:
    if context in ("public",) or context.startswith("centrex-"):
        snapshot = load_snapshot(session)  # every tenant's numbers are in public
    else:
        tenant = session.scalar(select(Tenant).where(Tenant.sip_domain == context))
        if tenant is None:
            return NOT_FOUND
        snapshot = load_snapshot(session, [tenant.id])
    shared = platform_files(platform_data(snapshot, platform), platform, node)
    files: dict[str, bytes] = {rel: data for rel, data in shared.items() if rel.startswith("dialplan/")}
    for t in snapshot.tenants:  # one tenant's bad data must not take the public context down
        out = checked_tenant_files(t, snapshot, platform)
        if not isinstance(out, TenantFailure):
            files.update(out)
    contexts = load_contexts(files)
    element = contexts.get(context)
    if element is None:
        return NOT_FOUND
    return _document("dialplan", element)


def answer(session: Session, platform: Platform, node: Node, form: Mapping[str, str]) -> bytes:
    """The reply to one mod_xml_curl request (its POSTed form fields)."""
    section = form.get("section", "")
    if section == "directory":
        domain = form.get("domain") or (form.get("key_value", "") if form.get("key_name") == "name" else "")
        if not domain and form.get("purpose") == "gateways":
            return domain_names(session)
        return directory(session, platform, node, domain) if domain else NOT_FOUND
    if section == "dialplan":
        context = form.get("Hunt-Context") or form.get("Caller-Context") or ""
        return dialplan(session, platform, node, context) if context else NOT_FOUND
    return NOT_FOUND
