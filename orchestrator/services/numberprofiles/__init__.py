"""Profiles, forcing, time rules and profile deletion, written once for the
numbers that have them: reception numbers and special 08xx numbers.

:mod:`.kind` describes what differs between the two (:class:`NumberKind`);
:mod:`.profiles` and :mod:`.rules` hold the one implementation. The
``reception`` and ``special`` packages define their kind and keep thin,
documented entry points with the signatures their callers use."""
