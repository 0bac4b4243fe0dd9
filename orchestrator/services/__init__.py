"""The service layer: every write of UI, API, CLI and jobs goes through it.

One package per resource (``schema``, ``validator``, ``service``):
validate → store → audit → notify (:class:`context.ServiceContext`).
"""

from . import audio, devices, directory, lines, logins, reception, special, tenants  # noqa: F401
