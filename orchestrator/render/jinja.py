"""The Jinja2 environment for FreeSWITCH XML: autoescape, StrictUndefined,
and the two filters every user value goes through.

- ``fsv``: a value FreeSWITCH will read. XML escaping is Jinja's autoescape;
  on top of it ``${``/``$${`` (channel-variable and pre-processor expansion)
  are broken up and control characters become spaces, so no label can run
  ``${system(...)}``, read a global variable, or start a new line.
- ``rx``: a value placed inside a regular expression, escaped.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parents[2] / "dialplan_templates"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def fs_value(value: object) -> str:
    text = _CONTROL.sub(" ", str(value))
    return text.replace("${", "$ {").replace("$${", "$ $ {")


def regex_escape(value: object) -> str:
    return re.escape(str(value))


@lru_cache(maxsize=4)
def environment(root: str = str(TEMPLATES)) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fsv"] = fs_value
    env.filters["rx"] = regex_escape
    return env
