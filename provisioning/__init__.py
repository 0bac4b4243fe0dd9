"""Desk-phone provisioning rendered from the same data model (E-5)."""
