"""Custom Rasa NLU components (they import Rasa; the rules they apply live in bot/routing.py)."""
