from .base import Base, make_engine, make_session_factory, transaction, utcnow

__all__ = ["Base", "make_engine", "make_session_factory", "transaction", "utcnow"]
