"""Live services over the FreeSWITCH Event Socket, on gevent.

Only the two processes started from here import gevent: the event service
(``centrex-esl-events``) and the hunt-group service (``centrex-hunt-server``).
The logic they run lives in :mod:`orchestrator.live`, free of gevent.

The event-socket stack is the product's own: :mod:`.connection` (one
connection: frames cut by :class:`orchestrator.esl.ESLParser`, replies
matched in order, events, notices), :mod:`.outbound_session` (one call over
the outbound socket) and :mod:`.inbound` (the inbound client).
"""
