"""The web UI (Flask). ``create_app(runtime)`` builds it; nothing global."""

from .app import create_app

__all__ = ["create_app"]
