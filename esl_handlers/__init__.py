"""Live services over the FreeSWITCH Event Socket (gevent + greenswitch).

Only the two processes started from here import gevent: the event service
(``centrex-esl-events``) and the hunt-group service (``centrex-hunt-server``).
The logic they run lives in :mod:`orchestrator.live`, free of gevent.
"""
