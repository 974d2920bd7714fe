"""Rasa server extensions for storage (tracker store)."""
