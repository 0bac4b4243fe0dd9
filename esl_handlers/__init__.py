"""Live services over the FreeSWITCH Event Socket (greenswitch/gevent processes only)."""
