"""The tenants service package (schema, validator, service)."""
