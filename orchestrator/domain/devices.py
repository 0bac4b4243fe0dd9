"""L-9: which devices may register on a line.

A line is one SIP account. Its desk phone (or softphone) may always
register; the teleworking twin (§3.9) adds a second device, the mobile
app (§3.8) one more. Every registered device rings in parallel on an
incoming call, and every one of them presents the line's number.

A registration beyond that number is refused (FreeSWITCH answers
``403 Forbidden``): the devices already registered keep working, and the
extra one is told at once. Replacing the oldest registration instead would
not tell the replaced device, which would take its place back at its next
refresh: two devices on a one-device line would take turns silently.
"""

from __future__ import annotations

DEVICE_NAMES = ("the desk phone", "the teleworking twin", "the mobile app")


def allowed_devices(twin: bool, mobile_app: bool) -> int:
    """How many devices may be registered on the line at once: 1, 2 or 3."""
    return 1 + int(bool(twin)) + int(bool(mobile_app))


def device_names(twin: bool, mobile_app: bool) -> tuple[str, ...]:
    """The devices the line's options allow, in words."""
    names = [DEVICE_NAMES[0]]
    if twin:
        names.append(DEVICE_NAMES[1])
    if mobile_app:
        names.append(DEVICE_NAMES[2])
    return tuple(names)
