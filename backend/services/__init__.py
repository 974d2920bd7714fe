"""Service layer: the only code that reads and writes the database.

The JSON API blueprints and the server-rendered consoles both call these functions.
"""
