""""Custom" announcements from text (manual §3.3.5.2 and §3.7.4.1 Figure 59,
spec M-4): the manual orders them from a studio; here the text is spoken on
the spot by espeak-ng (French, male or female voice) and mixed with a track
of the royalty-free catalogue (M-3) by sox. The result is an ordinary WAV,
which goes into the tenant's library through the upload path (M-2).
"""

from __future__ import annotations

import fcntl
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from orchestrator.domain.errors import FieldError, ValidationFailed

from .catalogue import CATALOGUE, build
from .convert import AudioError

MAX_WORDS = 50  # « 50 mots maximum » (Figure 59)
MAX_CHARS = 400
VOICES = {"female": "fr+f3", "male": "fr+m3"}
MUSIC_VOLUME = 0.25  # the music stays under the voice
PAD_S = 1.0  # music alone before and after the voice


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise AudioError(f"{name} is not installed on this server (Debian package {package}); "
                         "custom announcements need it", error_id=f"audio.no_{name.replace('-', '_')}")
    return path


def _run(args: list[str], what: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(args, input=stdin, capture_output=True, timeout=120)
    if done.returncode != 0:
        raise AudioError(f"{what} failed: {done.stderr.decode(errors='replace').strip()[:200]}",
                         error_id="audio.synthesis")
    return done


def check(text: str, voice: str, music: str | None) -> str:
    """The text as it will be spoken (one line), or every problem at once."""
    problems: list[FieldError] = []
    spoken = re.sub(r"\s+", " ", text or "").strip()
    if not spoken:
        problems.append(FieldError("announce.empty", "text", "write the text of the announcement"))
    elif len(spoken.split(" ")) > MAX_WORDS:
        problems.append(FieldError("announce.too_long", "text",
                                   f"at most {MAX_WORDS} words ({len(spoken.split(' '))} given)"))
    elif len(spoken) > MAX_CHARS:
        problems.append(FieldError("announce.too_long", "text",
                                   f"at most {MAX_CHARS} characters ({len(spoken)} given)"))
    elif re.search(r"[\x00-\x1f\x7f]", spoken):
        problems.append(FieldError("text.control_chars", "text", "control characters are not allowed here"))
    if voice not in VOICES:
        problems.append(FieldError("field.choice", "voice", f"choose one of {', '.join(VOICES)}"))
    if music and music not in CATALOGUE:
        problems.append(FieldError("announce.music", "music", f"unknown catalogue track {music!r}"))
    if problems:
        raise ValidationFailed(problems)
    return spoken


def catalogue_track(media_dir: Path, name: str) -> Path:
    """The 8 kHz wav of a catalogue track, synthesised first if needed."""
    if name not in CATALOGUE:
        raise AudioError(f"unknown catalogue track {name!r}", error_id="announce.music", field="music")
    target = media_dir / "catalogue" / name / f"{name}.wav"
    if target.exists():
        return target
    _tool("sox", "sox")
    _tool("espeak-ng", "espeak-ng")  # build() also speaks the default prompts
    lock_path = media_dir / "catalogue" / ".build.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:  # one build at a time (threads and processes): it writes fixed names
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not target.exists():
                build(media_dir)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise AudioError(f"the catalogue could not be built: {exc}", error_id="audio.synthesis") from None
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def synthesise(text: str, voice: str, music: str | None, media_dir: Path) -> bytes:
    """A WAV (8 kHz, 16-bit, mono): the text spoken, with ``music`` (a
    catalogue key; empty or None: voice only) under it."""
    spoken = check(text, voice, music)
    espeak = _tool("espeak-ng", "espeak-ng")
    sox = _tool("sox", "sox")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        raw, speech, out = work / "raw.wav", work / "speech.wav", work / "announce.wav"
        # the text on stdin: whatever it holds, it is never read as an option
        _run([espeak, "-v", VOICES[voice], "-s", "150", "-w", str(raw), "--stdin"], "speech synthesis",
             spoken.encode("utf-8"))
        pad = [] if not music else ["pad", str(PAD_S), str(PAD_S)]
        _run([sox, str(raw), "-r", "8000", "-b", "16", "-c", "1", "-e", "signed-integer", str(speech), *pad],
             "conversion of the voice")
        if not music:
            return speech.read_bytes()
        seconds = float(_run([sox, "--i", "-D", str(speech)], "duration").stdout.decode().strip() or 0)
        track = catalogue_track(media_dir, music)
        track_s = float(_run([sox, "--i", "-D", str(track)], "duration").stdout.decode().strip() or 1) or 1
        bed = work / "bed.wav"
        _run([sox, str(track), str(bed), "repeat", str(int(seconds // track_s) + 1), "trim", "0", f"{seconds:.3f}",
              "fade", "t", "0.5", f"{seconds:.3f}", "1"], "preparation of the music")
        _run([sox, "-m", "-v", "1", str(speech), "-v", str(MUSIC_VOLUME), str(bed), "-b", "16", str(out)],
             "mix of the voice and the music")
        return out.read_bytes()
