"""Wiring: settings → engine → session factory → service contexts.

Built once per process by the CLI, the web app or a job; nothing is bound at
import time.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings, load_settings
from .db import make_engine, make_session_factory
from .db.secretbox import SecretBox, attach, box_for
from .services.context import ServiceContext, unit_of_work
from .services.notifier import Notifier, RecordingNotifier


@dataclass
class Runtime:
    settings: Settings
    notifier: Notifier = field(default_factory=RecordingNotifier)

    @classmethod
    def from_environment(cls, config_path: str | None = None) -> Runtime:
        return cls(load_settings(config_path))

    @cached_property
    def secret_box(self) -> SecretBox:
        """The key of the stored secrets (settings, else ``var_dir/secrets.key``)."""
        return box_for(self.settings.secrets_key, self.settings.var_dir)

    def _box_when_needed(self) -> SecretBox | Callable[[], SecretBox]:
        """A key given in the settings is checked now; the key file is read,
        or generated, only when a secret is first sealed or opened."""
        if self.settings.secrets_key or "secret_box" in self.__dict__:
            return self.secret_box
        return lambda: self.secret_box

    @cached_property
    def engine(self) -> Engine:
        url = self.settings.effective_database_url
        if url.startswith("sqlite:///"):
            self.settings.var_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url)
        attach(engine, self._box_when_needed())
        return engine

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        attach(self.engine, self._box_when_needed())  # also an engine handed in from outside
        return make_session_factory(self.engine)

    def context(self, actor: str = "system") -> ServiceContext:
        """A context whose owner ends it (``finish``/``close``): a web request."""
        return ServiceContext(session=self.session_factory(), settings=self.settings, actor=actor,
                              notifier=self.notifier)

    def unit_of_work(self, actor: str = "system") -> AbstractContextManager[ServiceContext]:
        """One unit of work (a CLI command, a job): commits at the end of the
        ``with`` block, rolls back if it raises."""
        return unit_of_work(self.session_factory, self.settings, actor, self.notifier)


def configure_logging(level: str = "INFO") -> None:
    """Structured (key=value) logs on stderr, one line per record.

    The handler sits on the root logger, where every record ends up: the
    project's loggers (``orchestrator``, ``esl_handlers``, ``webui``) at
    ``level``, the libraries' (rq, werkzeug) at their own. A handler on the
    project's loggers *and* one on the root printed each record twice: the
    first root-level call of any library (``logging.debug(...)``, as rq's
    cron does) runs ``logging.basicConfig()`` when the root has no handler,
    and from then on every record propagated to that default-format handler
    too. With the root handled, ``basicConfig`` does nothing; a default
    handler installed before this call (at an import) is replaced."""

    class KV(logging.Formatter):
        skip = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

        def format(self, record: logging.LogRecord) -> str:
            extras = " ".join(f"{k}={v!r}" for k, v in sorted(vars(record).items()) if k not in self.skip)
            base = (f"{self.formatTime(record)} level={record.levelname} logger={record.name}"
                    f" msg={record.getMessage()!r}")
            line = f"{base} {extras}".rstrip()
            if record.exc_info:  # the traceback, on the lines after (an exception is no key=value)
                line += "\n" + self.formatException(record.exc_info)
            return line

    handler = logging.StreamHandler()
    handler.setFormatter(KV())
    root = logging.getLogger()
    for old in list(root.handlers):
        # ours from an earlier call, or basicConfig's plain console handler (not a test's capture)
        if getattr(old, "centrex_kv", False) or (
                type(old) is logging.StreamHandler and old.stream in (sys.stderr, sys.stdout)):
            root.removeHandler(old)
    handler.centrex_kv = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    for name in ("orchestrator", "esl_handlers", "webui"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        logger.setLevel(level)
