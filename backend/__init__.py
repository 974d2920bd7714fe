"""Case backend: knowledge base, staff consoles and the JSON API the action server calls."""
