from . import schema, service  # noqa: F401
