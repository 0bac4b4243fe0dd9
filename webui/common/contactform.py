"""The contact form, as the admin's directory (:mod:`webui.directory`) and
the user's personal directory (:mod:`webui.user_directory`) both read it:
the document a form describes, its numbers' rows, and errors placed back
on those rows."""

from __future__ import annotations

from typing import Any

from orchestrator.domain.errors import FieldError

TEXT_FIELDS = ("email", "company", "function", "address", "postal_code", "city", "country")
KINDS = ("work", "mobile", "home")


def _whole(raw: str) -> int | None:
    """A form's whole number, or None (any other text, "²" or "x\\x00" too)."""
    return int(raw) if raw.isascii() and raw.isdigit() else None


def contact_form(form: Any) -> tuple[dict[str, Any], list[int], int | None]:
    """The document a contact form describes, the form row of each number,
    and the chosen list."""
    data: dict[str, Any] = {"first_name": form.get("first_name", "").strip(),
                            "last_name": form.get("last_name", "").strip()}
    for name in TEXT_FIELDS:
        data[name] = form.get(name, "").strip() or None
    numbers, rows = [], []
    for i in range(min(_whole(form.get("number_rows", "")) or 0, 50)):
        number = form.get(f"numbers[{i}].number", "").strip()
        if number:
            kind = form.get(f"numbers[{i}].kind", "work")
            numbers.append({"kind": kind if kind in KINDS else "work", "number": number,
                            "short_number": form.get(f"numbers[{i}].short_number", "").strip() or None})
            rows.append(i)
    data["numbers"] = numbers
    data["lines"] = [n for n in form.getlist("lines") if n]
    raw_list = form.get("list", "")
    return data, rows, _whole(raw_list)


def remap_errors(errors: list[FieldError], rows: list[int]) -> list[FieldError]:
    """numbers[k] of the document → numbers[row] of the form."""
    out = []
    for err in errors:
        fld = err.field
        if fld.startswith("numbers["):
            k = int(fld[8:fld.index("]")])
            if k < len(rows):
                fld = f"numbers[{rows[k]}]" + fld[fld.index("]") + 1:]
        out.append(FieldError(err.error_id, fld, err.message))
    return out


def form_values(data: dict[str, Any], rows: list[int]) -> dict[str, Any]:
    values = dict(data)
    values["numbers"] = [{"kind": "work", "number": "", "short_number": ""} for _ in range(max(rows or [-1]) + 1)]
    for num, row in zip(data["numbers"], rows, strict=False):
        values["numbers"][row] = {**num, "short_number": num["short_number"] or ""}
    return values
