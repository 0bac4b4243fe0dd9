"""The CSV format of the company directory (D-4, manual §3.5.2): its 14
columns, and how a cell is kept from being run as a spreadsheet formula.

Formula injection (OWASP "CSV Injection"): a cell starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel and
LibreOffice. Export writes such a cell with a ``'`` in front (shown as text,
the ``'`` hidden); import removes exactly that ``'``. A value that itself
starts with ``'`` before one of those characters gets one more ``'`` on
export, so ``'=x`` goes out as ``''=x`` and comes back as ``'=x``: the round
trip is exact. The number columns hold digits only (international form
without "+", as the manual's example), so they never need it.
"""

from __future__ import annotations

import re

COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "Numéro"), ("last_name", "Nom"), ("first_name", "Prénom"), ("email", "Email"),
    ("mobile", "Tél. Mobile"), ("short_number", "N° abrégé"), ("group", "Groupe / Service"),
    ("home", "Tél. Domicile"), ("company", "Société"), ("function", "Fonction"), ("address", "Adresse"),
    ("postal_code", "Code Postal"), ("city", "Ville"), ("country", "Pays"),
)
COLUMN = {key: i + 1 for i, (key, _) in enumerate(COLUMNS)}  # key → 1-based column number
MERGED = ("company", "function", "address", "postal_code", "city", "country")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(value: str) -> str:
    """The cell to write for ``value``: never read as a formula."""
    if value.startswith(FORMULA_START) or _QUOTED.match(value):
        return "'" + value
    return value


def restore(cell: str) -> str:
    """The value of a cell :func:`neutralise` wrote (other cells unchanged)."""
    return cell[1:] if _QUOTED.match(cell) else cell
