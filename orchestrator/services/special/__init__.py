"""The special service package (schema, validator, service)."""
