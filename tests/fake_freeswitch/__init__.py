"""Test double for FreeSWITCH's inbound event socket (ESL).

Import it from tests as ``from fake_freeswitch.server import FakeFreeSWITCH``
(``tests/`` is on ``sys.path`` under pytest's default rootdir import mode).
Recorded wire streams live in ``transcripts/`` (see its README).
"""

from pathlib import Path

TRANSCRIPTS = Path(__file__).parent / "transcripts"


def transcript(name: str) -> bytes:
    """The raw bytes of ``transcripts/<name>``."""
    return (TRANSCRIPTS / name).read_bytes()
