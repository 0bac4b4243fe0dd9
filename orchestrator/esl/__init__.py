"""FreeSWITCH Event Socket (ESL): wire framing and a blocking inbound client.

:mod:`orchestrator.esl.protocol` parses the byte stream (:class:`ESLParser`,
:class:`Message`, :class:`Event`); :mod:`orchestrator.esl.client` holds
:class:`ESLClient`, used for ``reloadxml`` and friends while applying
configuration. Every error derives from :class:`ESLError` and carries a
stable ``error_id``.
"""

from .client import ESLClient
from .protocol import (
    ESLAuthError,
    ESLCommandError,
    ESLConnectError,
    ESLConnectionLost,
    ESLError,
    ESLNotConnected,
    ESLParser,
    ESLProtocolError,
    ESLTimeout,
    Event,
    Message,
    parse_event,
    parse_frames,
)

__all__ = [
    "ESLAuthError",
    "ESLClient",
    "ESLCommandError",
    "ESLConnectError",
    "ESLConnectionLost",
    "ESLError",
    "ESLNotConnected",
    "ESLParser",
    "ESLProtocolError",
    "ESLTimeout",
    "Event",
    "Message",
    "parse_event",
    "parse_frames",
]
