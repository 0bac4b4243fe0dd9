"""The reception service package (schema, validator, service)."""
