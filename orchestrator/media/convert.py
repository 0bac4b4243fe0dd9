"""Audio uploads (M-2): checked by content, converted with sox to what
FreeSWITCH plays (8 kHz 16-bit mono wav, plus 16 kHz for wideband)."""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from orchestrator.domain.errors import ServiceError

log = logging.getLogger(__name__)
MAX_UPLOAD = 2 * 1024 * 1024
RATES = (8000, 16000)


class AudioError(ServiceError):
    error_id = "audio.invalid"


def sniff(data: bytes) -> str | None:
    """``wav`` or ``mp3`` from the bytes themselves (the name proves nothing)."""
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3":
        return "mp3"
    if len(data) >= 2 and data[0] == 0xFF and (data[1] & 0xE0) == 0xE0 and (data[1] & 0x06) != 0:
        return "mp3"
    return None


@dataclass(frozen=True)
class Converted:
    sha256: str
    duration_ms: int
    paths: dict[int, Path]  # rate → wav file


def _sox(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    if shutil.which("sox") is None:
        raise AudioError("sox is not installed (Debian packages sox and libsox-fmt-mp3)", error_id="audio.no_sox")
    try:
        return subprocess.run(["sox", *args], capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        log.warning("sox timed out", extra={"args": args})
        raise AudioError("the file took too long to convert", error_id="audio.unreadable", field="file") from None


def output_paths(data: bytes, media_dir: Path) -> tuple[str, dict[int, Path]]:
    """Where :func:`convert` writes ``data`` (by rate), named by its SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    out_dir = media_dir / "audio"
    return sha, {8000: out_dir / f"{sha}.wav", 16000: out_dir / "16000" / f"{sha}.wav"}


def convert(data: bytes, media_dir: Path) -> Converted:
    """Validate and convert an upload; files are named by the SHA-256 of the
    upload, so the same sound is stored once and named the same everywhere."""
    if len(data) > MAX_UPLOAD:
        raise AudioError(f"the file is {len(data) / 1048576:.1f} MB; at most 2 MB is accepted",
                         error_id="audio.too_large", field="file")
    kind = sniff(data)
    if kind is None:
        raise AudioError("this is not a WAV or MP3 file", error_id="audio.format", field="file")
    sha, paths = output_paths(data, media_dir)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"upload.{kind}"
        src.write_bytes(data)
        for rate, target in paths.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".part.wav")
            done = _sox([str(src), "-r", str(rate), "-b", "16", "-c", "1", "-e", "signed-integer", str(partial)])
            if done.returncode != 0:
                partial.unlink(missing_ok=True)
                # sox's message names the temporary files: logged, never shown
                log.warning("sox could not convert an upload", extra={
                    "kind": kind, "sha256": sha, "rate": rate, "returncode": done.returncode,
                    "stderr": done.stderr.decode(errors="replace").strip()[:1000]})
                raise AudioError(f"the {kind.upper()} file could not be read as sound: check that it plays, "
                                 "or save it again as WAV or MP3", error_id="audio.unreadable", field="file")
            partial.replace(target)
        info = _sox(["--i", "-D", str(paths[8000])])
    try:
        duration = int(float(info.stdout.decode(errors="replace").strip() or 0) * 1000)
    except ValueError:
        log.warning("sox gave no duration",
                    extra={"sha256": sha, "stderr": info.stderr.decode(errors="replace")[:1000]})
        duration = 0
    return Converted(sha256=sha, duration_ms=duration, paths=paths)


def publish_stream(media_dir: Path, stream: str, wav: Path) -> Path:
    """Hold music plays through mod_local_stream: one directory per stream."""
    target = media_dir / "streams" / stream
    target.mkdir(parents=True, exist_ok=True)
    dest = target / wav.name
    if not dest.exists():
        shutil.copyfile(wav, dest)
    return dest
