"""rasa-sdk actions: read the tracker, call the core (bot/), return messages and events."""
