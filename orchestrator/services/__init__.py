"""The service layer: every write of UI, API, CLI and jobs goes through it.

One package per resource (``schema``, ``validator``, ``service``):
validate → store → audit → notify (:class:`context.ServiceContext`).
Import the module you need (``orchestrator.services.lines.service``): the
packages import nothing at import time, so there are no import cycles.
"""
