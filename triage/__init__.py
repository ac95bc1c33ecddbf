"""The application: command line, process supervisor, training, evaluation, benchmarks, generators.

It sits above the adapters (actions/, channels/, console/, voice/, web/) and the core (bot/,
nlu_components/, policies/); nothing below imports it.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
