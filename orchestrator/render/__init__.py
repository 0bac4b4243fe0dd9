"""Rendering FreeSWITCH configuration from the database (P-2)."""
