"""What the templates see: plain values computed from the snapshot.

Every decision that is not pure presentation is made here, in Python, where
it is easy to test; the templates only lay the values out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from orchestrator.domain.numbering import national
from orchestrator.domain.topology import Platform

from ..db.models import AudioFile, FaxLine, Line, ReceptionNumber, SpecialNumber
from ..domain.catalogue import CATALOGUE
from ..domain.devices import allowed_devices
from .snapshot import Snapshot, TenantSnap

SILENCE = "silence_stream://-1"


def did_pattern(e164: str) -> str:
    """How the carrier or another line may write one of our numbers."""
    if e164.startswith("+33"):
        return r"(?:\+33|0033|33|0)" + re.escape(e164[3:])
    return r"(?:\+|00)" + re.escape(e164[1:])


def audio_key(audio: AudioFile) -> str:
    """Files are content-addressed: the same sound has the same name on every
    node and in every rendering, whatever the database ids."""
    return audio.sha256 or f"id{audio.id}"


def stream_name(catalogue: str | None, audio: AudioFile | None) -> str | None:
    if catalogue:
        return f"catalogue_{catalogue}"
    if audio is not None:
        return f"audio_{audio_key(audio)[:16]}"
    return None


def hold_music_url(catalogue: str | None, audio: AudioFile | None) -> str:
    name = stream_name(catalogue, audio)
    return f"local_stream://{name}" if name else SILENCE


def audio_path(platform: Platform, audio: AudioFile | None) -> str:
    """Where the converted (8 kHz mono wav) sound of a library file lives."""
    if audio is None:
        return ""
    return str(platform.media_dir / "audio" / f"{audio_key(audio)}.wav")


def a1_hash(user: str, domain: str, secret: str) -> str:
    """HA1 of HTTP digest (RFC 2617), as FreeSWITCH's directory takes it.

    mod_sofia (sofia_reg.c, sofia_reg_parse_auth) looks the user up in the
    domain named by the digest realm and, given the ``a1-hash`` param, uses
    it as the HA1 of ``user:realm:password``: REGISTER and INVITE alike, MD5
    (no RFC 8760 algorithm is configured). mod_voicemail takes
    ``vm-a1-hash`` the same way for the PIN (``id:domain:PIN``).
    """
    return hashlib.md5(f"{user}:{domain}:{secret}".encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class LineView:
    number: str
    user: str
    label: str
    a1_hash: str  # md5(user:domain:password): what mod_sofia's digest check needs, not the password
    dial_patterns: tuple[str, ...]
    did_pattern: str
    ring_time: int
    fwd_all: str
    fwd_na: str
    fwd_presented: str
    backup: str
    clir: bool
    vm_mode: str  # record | announce | off
    vm_a1_hash: str  # md5(user:domain:PIN): mod_voicemail's vm-a1-hash
    vm_has_pin: bool
    vm_email: str
    vm_greeting: str
    hold_music: str
    emergency: tuple[tuple[str, str], ...]
    max_devices: int  # L-9: registrations allowed at once (1, +1 twin, +1 mobile app); more get 403


def line_view(line: Line, t: TenantSnap, snapshot: Snapshot, platform: Platform) -> LineView:
    nat = national(line.number)
    patterns = [re.escape(line.number), re.escape(nat)]
    if line.sip_username != nat:
        patterns.append(re.escape(line.sip_username))
    if line.short_number:
        patterns.append(re.escape(line.short_number))
    vm_mode = line.vm_mode if line.vm_enabled else "off"
    greeting_id = line.vm_greeting_record_id if vm_mode == "record" else line.vm_greeting_announce_id
    greeting = audio_path(platform, t.audio.get(greeting_id)) if greeting_id else ""
    if vm_mode == "announce" and not greeting:
        greeting = str(platform.media_dir / "defaults" / "announce.wav")
    # Without a PIN nobody can reach the mailbox from outside: an unguessable
    # password derived from the line's secret (stable, so rendering is deterministic).
    vm_password = line.vm_pin or hashlib.sha256(f"vm:{line.sip_password}".encode()).hexdigest()[:20]
    domain = t.domain
    department = line.department or t.tenant.emergency_department
    return LineView(
        number=line.number, user=line.sip_username, label=line.label,
        a1_hash=a1_hash(line.sip_username, domain, line.sip_password),
        dial_patterns=tuple(patterns), did_pattern=did_pattern(line.number), ring_time=line.ring_time,
        fwd_all=line.forward_unconditional or "", fwd_na=line.forward_no_answer or "",
        fwd_presented=line.forward_presented, backup=line.backup_number or "", clir=line.clir,
        vm_mode=vm_mode, vm_a1_hash=a1_hash(line.sip_username, domain, vm_password), vm_has_pin=bool(line.vm_pin),
        vm_email=line.vm_email or "",
        vm_greeting=greeting,
        hold_music=hold_music_url(line.hold_music_catalogue, t.audio.get(line.hold_music_audio_id or 0)),
        emergency=tuple(sorted(snapshot.emergency_for(department).items(), key=lambda kv: int(kv[0]))),
        max_devices=allowed_devices(line.twin, line.mobile_app),
    )


@dataclass(frozen=True)
class FaxView:
    number: str
    did_pattern: str
    spool: str


def fax_view(fax: FaxLine, platform: Platform) -> FaxView:
    return FaxView(number=fax.number, did_pattern=did_pattern(fax.number),
                   spool=str(platform.spool_dir / "fax" / fax.number.lstrip("+")))


@dataclass(frozen=True)
class ReceptionView:
    number: str
    dial_patterns: tuple[str, ...]
    did_pattern: str


def reception_view(rec: ReceptionNumber | SpecialNumber) -> ReceptionView:
    patterns = [re.escape(rec.number), re.escape(national(rec.number))]
    short = getattr(rec, "short_number", None)
    if short:
        patterns.append(re.escape(short))
    return ReceptionView(number=rec.number, dial_patterns=tuple(patterns), did_pattern=did_pattern(rec.number))


@dataclass(frozen=True)
class Stream:
    name: str
    path: str


def streams(audio_files: Iterable[AudioFile], platform: Platform) -> list[Stream]:
    """local_stream directories: the catalogue and every hold-music file."""
    out = [Stream(f"catalogue_{name}", str(platform.media_dir / "catalogue" / name)) for name in sorted(CATALOGUE)]
    files: dict[str, Stream] = {}
    for audio in audio_files:
        if audio.category == "hold_music":
            name = stream_name(None, audio) or ""
            files[name] = Stream(name, str(platform.media_dir / "streams" / name))
    return out + [files[name] for name in sorted(files)]


def media_root(platform: Platform) -> Path:
    return platform.media_dir


def runtime_dirs(snapshot: Snapshot, platform: Platform) -> list[Path]:
    """Every directory the rendered tree makes FreeSWITCH write into: the JSON
    CDRs, voicemail storage, the fax spool and one spool per fax line
    (``rxfax`` cannot create its file's directory: "TIFF/F file cannot be
    opened"), converted media. Apply creates them before the reload."""
    spool = platform.spool_dir
    dirs = [spool / "cdr", spool / "voicemail", spool / "fax", platform.media_dir]
    dirs += [Path(fax_view(fax, platform).spool) for t in snapshot.tenants for fax in t.faxes]
    return sorted(set(dirs))
