"""The information team's material: answer feedback and the inbox of what the assistant missed.

Everything stored here is anonymous (no sender id) and masked before storage (masking.py).
"""
