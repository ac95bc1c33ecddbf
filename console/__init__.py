"""The agents' console: a Flask web application over the same core and database as the bot.

`python -m console --port 8090` serves it; `python -m console.cli` manages accounts and the
retention purge (also reachable as `triage agents …` and `triage purge`).
"""
