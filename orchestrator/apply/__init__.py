"""Putting a rendered tree live on FreeSWITCH nodes safely (P-3, P-4)."""
