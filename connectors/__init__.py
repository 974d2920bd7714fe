"""Rasa input channels of the project (registered in credentials.yml by module path)."""
