"""The built-in deterministic demo feeds: provider-shaped payloads from seeded models."""
