"""The assistant's core: configuration, knowledge base, tickets, opening hours.

Nothing in this package imports Rasa, an HTTP framework or audio code: the action server, the
agents' console and the voice gateway all call it.
"""
