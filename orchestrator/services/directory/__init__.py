"""The directory service package (schema, validator, service)."""
