"""Evaluation of the trained assistant: NLU held-out sets, factual questions, fiche choice."""
