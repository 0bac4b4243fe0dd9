"""Each log record is printed once, as key=value (issue 16: the services
printed every line twice, once as key=value and once in Python's default
format, when something had called ``logging.basicConfig``: any library's
root-level ``logging.debug(...)`` does, as rq's cron does)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

PROGRAM = textwrap.dedent("""
    import logging
    import sys
    {before}
    from orchestrator.runtime import configure_logging
    configure_logging("INFO")
    logging.warning("a library's root-level call")  # runs basicConfig() when the root has no handler
    logging.getLogger("orchestrator.apply.service").info("apply", extra={{"node": "fs1"}})
    logging.getLogger("esl_handlers.events_service").warning("call of no tenant ignored", extra={{"uuid": "u1"}})
    logging.getLogger("webui.auth").info("login")
    logging.getLogger("rq.worker").warning("Job OK")
    configure_logging("INFO")  # the command group and the command both configure: still once
    logging.getLogger("orchestrator").info("again")
""")


def stderr_of(before: str = "") -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROGRAM.format(before=before)], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines()


@pytest.mark.parametrize("before", ["", "logging.basicConfig()  # an import configured the root first"])
def test_every_record_is_printed_once_as_key_value(before):
    lines = stderr_of(before)
    messages = ["a library's root-level call", "apply", "call of no tenant ignored", "login", "Job OK", "again"]
    for msg in messages:
        mine = [line for line in lines if msg in line]
        assert len(mine) == 1, (msg, lines)
        assert f"msg={msg!r}" in mine[0], mine[0]
    assert len(lines) == len(messages), lines
    assert not [line for line in lines if line.startswith(("INFO:", "WARNING:"))]  # Python's default format
    assert "node='fs1'" in next(line for line in lines if "msg='apply'" in line)
