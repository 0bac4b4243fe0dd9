"""The lines service package (schema, validator, service)."""
