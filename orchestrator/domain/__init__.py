"""The domain: pure rules and value types every layer shares.

Errors with stable ids and field paths (:mod:`.errors`), number classes and
formatting (:mod:`.numbering`), time rules and their evaluation
(:mod:`.timerules`, :mod:`.timeeval`), profile choice for reception and
special numbers (:mod:`.profiles`), what a hunt does with each member
(:mod:`.hunting`), weighted draws (:mod:`.weights`) and the
node topology (:mod:`.topology`).

Nothing here imports another part of the project, a database or a network
library: these modules are imported from every layer and import none.
"""
