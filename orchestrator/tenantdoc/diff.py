"""What changes between two tenant documents, keyed by natural keys."""

from __future__ import annotations

from typing import Any

KEYS = ("number", "mac", "login", "owner", "name")
# Secrets are named in a diff, never shown (the names of tenantdoc.secrets.SECRET_PATHS).
SECRETS = frozenset({"password", "pin", "password_hash", "provisioning_password"})


def _secret(path: str) -> bool:
    return path.rpartition(".")[2] in SECRETS


def _key(item: Any) -> str | None:
    if isinstance(item, dict):
        for k in KEYS:
            if isinstance(item.get(k), str):
                return item[k]
    return None


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, (dict, list)) else ("{…}" if isinstance(value, dict) else "[…]")
    return text if len(text) < 60 else text[:57] + "..."


def diff(old: Any, new: Any, path: str = "") -> list[str]:
    """Lines ``+ path``, ``- path`` and ``~ path: a → b``."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for k in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{k}" if path else str(k)
            if k not in new:
                out.append(f"- {sub}")
            elif k not in old:
                out.append(f"+ {sub}" if _secret(sub) else f"+ {sub}: {_short(new[k])}")
            else:
                out += diff(old[k], new[k], sub)
        return out
    if isinstance(old, list) and isinstance(new, list):
        okeys, nkeys = [_key(i) for i in old], [_key(i) for i in new]
        if old and new and None not in okeys and None not in nkeys and len(set(okeys)) == len(okeys) \
                and len(set(nkeys)) == len(nkeys):
            out = []
            omap, nmap = dict(zip(okeys, old, strict=False)), dict(zip(nkeys, new, strict=False))
            for k in okeys:
                if k not in nmap:
                    out.append(f"- {path}[{k}]")
                else:
                    out += diff(omap[k], nmap[k], f"{path}[{k}]")
            out += [f"+ {path}[{k}]" for k in nkeys if k not in omap]
            if not out and okeys != nkeys:
                out.append(f"~ {path}: order changed")
            return out
        if old == new:
            return []
        if all(not isinstance(i, (dict, list)) for i in old + new):
            return [f"~ {path}: {_short(old)} → {_short(new)}"]
        out = []
        for i in range(max(len(old), len(new))):
            sub = f"{path}[{i}]"
            if i >= len(new):
                out.append(f"- {sub}")
            elif i >= len(old):
                out.append(f"+ {sub}")
            else:
                out += diff(old[i], new[i], sub)
        return out
    if old != new:
        return [f"~ {path}: changed" if _secret(path) else f"~ {path}: {_short(old)} → {_short(new)}"]
    return []
