"""Routing of reception and special numbers: the rules, shared by the route
resolver (``simulate``) and the FreeSWITCH renderer, so that both agree."""
