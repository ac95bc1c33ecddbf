"""Generators of committed files: per-topic domain and rules, the fiches' NLU examples."""
