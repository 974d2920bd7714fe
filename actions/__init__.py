"""rasa-sdk custom actions, one module per capability; they call the backend over HTTP."""
