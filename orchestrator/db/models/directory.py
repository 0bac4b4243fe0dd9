"""Company and personal directory (D-1..D-3)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base


class DirectoryList(Base):
    """A node of the list tree ("RH / Recrutement / Cadres")."""

    __tablename__ = "directory_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("directory_lists.id", ondelete="CASCADE"), index=True)
    owner_login_id: Mapped[int | None] = mapped_column(ForeignKey("logins.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Contact(Base):
    """A person. ``owner_login_id`` set: a personal entry of that user."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    list_id: Mapped[int | None] = mapped_column(ForeignKey("directory_lists.id", ondelete="SET NULL"), index=True)
    owner_login_id: Mapped[int | None] = mapped_column(ForeignKey("logins.id", ondelete="CASCADE"), index=True)
    # the login of this person ("Identifiants" tab, D-2)
    login_id: Mapped[int | None] = mapped_column(ForeignKey("logins.id", ondelete="SET NULL"), unique=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    company: Mapped[str | None] = mapped_column(String(120))
    function: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(80))
    country: Mapped[str | None] = mapped_column(String(80))
    photo_path: Mapped[str | None] = mapped_column(String(255))

    numbers: Mapped[list[ContactNumber]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactNumber.position"
    )
    lines = relationship("Line", back_populates="contact")


class ContactNumber(Base):
    """A number of a contact; its short number is dialable tenant-wide (D-3)."""

    __tablename__ = "contact_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # work | mobile | home
    number: Mapped[str] = mapped_column(String(20))
    short_number: Mapped[str | None] = mapped_column(String(6))
    position: Mapped[int] = mapped_column(Integer, default=0)

    contact: Mapped[Contact] = relationship(back_populates="numbers")
