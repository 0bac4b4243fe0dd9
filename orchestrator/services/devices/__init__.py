"""The devices service package (schema, validator, service)."""
