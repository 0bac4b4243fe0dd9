"""The logins service package (schema, validator, service)."""
