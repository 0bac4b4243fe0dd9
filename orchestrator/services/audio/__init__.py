"""The audio service package (schema, validator, service)."""
