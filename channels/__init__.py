"""Rasa input channels of the assistant: transport only (limits, metadata), no dialogue logic."""
