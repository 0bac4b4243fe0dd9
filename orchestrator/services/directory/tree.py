"""The company directory's list tree, read for display one page at a time
(D-1, D-2), and the depth rule of lists.

Lists nest :data:`MAX_DEPTH` deep at most (the manual's example,
"RH / Recrutement / Cadres", has 3). Every writer checks it (forms, CSV,
YAML); every reader walks the tree iteratively, so rows planted deeper
before the rule existed still display and export.

A page holds :data:`PAGE_SIZE` contacts in the tree's order (a list's own
contacts, then its sub-lists', depth first); the tree shows every list (with
its count) and places the page's contacts in it. A search looks at every
contact (name, e-mail, company, function, numbers), not only the page's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from orchestrator.domain.errors import Errors

from ...db.models import Contact, ContactNumber, DirectoryList, Line

MAX_DEPTH = 10
PAGE_SIZE = 100


def too_deep(errors: Errors, fld: str, depth: int) -> None:
    errors.add("list.too_deep", fld,
               f"lists nest {MAX_DEPTH} deep at most (as in \"RH / Recrutement / Cadres\"); this one would be "
               f"{depth} deep")


def depth_of(session: Session, list_id: int | None) -> int:
    """How deep the list is (a top list: 1; None, the root: 0), walking up
    its parents; a loop of planted rows counts once."""
    depth, seen = 0, set()
    while list_id is not None and list_id not in seen:
        seen.add(list_id)
        row = session.get(DirectoryList, list_id)
        if row is None:
            break
        depth += 1
        list_id = row.parent_id
    return depth


@dataclass
class ListNode:
    """A list of the tree with this page's contacts and its sub-lists."""

    row: DirectoryList | None
    depth: int = 0
    contacts: list[Contact] = field(default_factory=list)
    children: list[ListNode] = field(default_factory=list)
    own: int = 0  # contacts of this list (matching the search)
    total: int = 0  # ... and of its sub-lists
    open: bool = False

    @property
    def name(self) -> str:
        return self.row.name if self.row else ""

    def count(self) -> int:
        return self.total


Row = tuple[Literal["contact", "open", "close"], "Contact | ListNode"]


@dataclass
class TreePage:
    root: ListNode
    page: int = 1
    pages: int = 1
    total: int = 0
    per_page: int = PAGE_SIZE
    query: str = ""

    def rows(self) -> list[Row]:
        """The tree as a flat sequence (a template loop, no recursion):
        each list opens, shows its contacts, its sub-lists, and closes."""
        out: list[Row] = []
        stack: list[tuple[ListNode, bool]] = [(self.root, False)]
        while stack:
            node, closing = stack.pop()
            if closing:
                out.append(("close", node))
                continue
            if node is not self.root:
                out.append(("open", node))
                stack.append((node, True))
            out += [("contact", c) for c in node.contacts]
            shown = [c for c in node.children if c.total or not self.query]
            stack += [(c, False) for c in reversed(shown)]
        return out

    def window(self, width: int = 3) -> list[int | None]:
        """Page numbers to link: the first, the last, and those near this
        one (None: a gap)."""
        keep = {1, self.pages, *range(self.page - width, self.page + width + 1)}
        out: list[int | None] = []
        for n in range(1, self.pages + 1):
            if n in keep:
                out.append(n)
            elif out and out[-1] is not None:
                out.append(None)
        return out


def search_filter(query: str) -> ColumnElement[bool] | None:
    """Contacts matching ``query``: in a name, the e-mail, the company or
    the function, or (a number of 3 digits or more) in one of their numbers."""
    query = query.strip()
    if not query:
        return None
    text = [col.icontains(query, autoescape=True) for col in (
        Contact.first_name, Contact.last_name, Contact.email, Contact.company, Contact.function)]
    full = func.coalesce(Contact.first_name, "") + " " + func.coalesce(Contact.last_name, "")
    text.append(full.icontains(query, autoescape=True))
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 3 and re.fullmatch(r"[\d\s+().-]+", query):
        digits = digits[1:] if digits.startswith("0") else digits
        text.append(Contact.id.in_(select(ContactNumber.contact_id).where(
            ContactNumber.number.contains(digits, autoescape=True))))
        text.append(Contact.id.in_(select(Line.contact_id).where(Line.number.contains(digits, autoescape=True))))
    return or_(*text)


def _nodes(session: Session, tenant_id: int) -> tuple[ListNode, list[ListNode]]:
    """The root and every list reachable from it, depth first (iterative)."""
    rows = list(session.scalars(select(DirectoryList).where(
        DirectoryList.tenant_id == tenant_id, DirectoryList.owner_login_id.is_(None))
        .order_by(DirectoryList.position, DirectoryList.name, DirectoryList.id)))
    ids = {r.id for r in rows}
    kids: dict[int | None, list[DirectoryList]] = {}
    for r in rows:
        kids.setdefault(r.parent_id if r.parent_id in ids else None, []).append(r)
    root = ListNode(None)
    preorder: list[ListNode] = []  # a list's own contacts come before its sub-lists'
    walk = [root]
    while walk:
        node = walk.pop()
        preorder.append(node)
        node.children = [ListNode(r, depth=node.depth + 1) for r in kids.get(node.row.id if node.row else None, [])]
        walk += list(reversed(node.children))
    return root, preorder


@dataclass
class Slice:
    root: ListNode
    preorder: list[ListNode]
    total: int

    def contacts(self) -> list[Contact]:
        """The slice's contacts in the tree's order."""
        return [c for node in self.preorder for c in node.contacts]


def company_slice(session: Session, tenant_id: int, offset: int, limit: int, query: str = "") -> Slice:
    """The tree with its counts, holding the contacts ``offset`` to
    ``offset + limit`` of the tree's order (those matching ``query``)."""
    root, preorder = _nodes(session, tenant_id)
    reachable = {n.row.id: n for n in preorder if n.row is not None}
    base = and_(Contact.tenant_id == tenant_id, Contact.owner_login_id.is_(None))
    cond = search_filter(query)
    if cond is not None:
        base = and_(base, cond)
    counts: dict[int | None, int] = {lid: n for lid, n in session.execute(
        select(Contact.list_id, func.count()).where(base).group_by(Contact.list_id))}
    orphans = [lid for lid in counts if lid is not None and lid not in reachable]  # planted: a loop of lists
    for lid, n in counts.items():
        (reachable[lid] if lid in reachable else root).own += n
    for node in reversed(preorder):  # children come after their parent
        node.total = node.own + sum(c.total for c in node.children)
    start, end = offset, offset + limit
    seen = 0
    for node in preorder:
        lo, hi = seen, seen + node.own
        seen = hi
        if hi <= start or not node.own:
            continue
        if lo >= end:
            break
        where = base
        if node.row is not None:
            where = and_(where, Contact.list_id == node.row.id)
        else:
            where = and_(where, or_(Contact.list_id.is_(None), Contact.list_id.in_(orphans)) if orphans
                         else Contact.list_id.is_(None))
        skip = max(0, start - lo)
        node.contacts = list(session.scalars(
            select(Contact).where(where).order_by(Contact.last_name, Contact.first_name, Contact.id)
            .offset(skip).limit(min(hi, end) - lo - skip)
            .options(selectinload(Contact.numbers), selectinload(Contact.lines))))
    return Slice(root, preorder, root.total)


def company_page(session: Session, tenant_id: int, page: int = 1, query: str = "",
                 per_page: int = PAGE_SIZE) -> TreePage:
    """One page of the company directory as a tree (see the module doc)."""
    page = max(1, page)
    part = company_slice(session, tenant_id, (page - 1) * per_page, per_page, query)
    pages = max(1, -(-part.total // per_page))
    if page > pages:  # past the end: the last page
        page = pages
        part = company_slice(session, tenant_id, (page - 1) * per_page, per_page, query)
    _mark_open(part.preorder, part.root, single=pages == 1)
    return TreePage(root=part.root, page=page, pages=pages, total=part.total, per_page=per_page,
                    query=query.strip())


def _mark_open(preorder: list[ListNode], root: ListNode, *, single: bool) -> None:
    """Open the lists holding this page's contacts (every list when the
    directory fits on one page)."""
    parent: dict[int, ListNode] = {}
    for node in preorder:
        for child in node.children:
            parent[id(child)] = node
    for node in preorder:
        if single:
            node.open = True
        elif node.contacts:
            up: ListNode | None = node
            while up is not None and not up.open:
                up.open = True
                up = parent.get(id(up))
    root.open = True
