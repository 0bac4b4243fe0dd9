"""Live telephony state and actions shared by the ESL services, the web UI
and the API: the call log (C-3), registrations, voicemail counters (V-5),
click-to-call (C-1) and SMS (C-2). Plain functions over a database session:
no gevent here (the gevent processes live in ``esl_handlers``)."""
