"""NLU evaluation on the held-out sets: metrics (pure), report (files), runner (Rasa, main)."""
