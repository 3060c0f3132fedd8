"""Dialogue policies of our own (see config.yml)."""
