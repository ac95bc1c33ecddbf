"""`python -m triage.actions_server`: the action server (rasa-sdk's, the arguments of `rasa run
actions`), with the ticket store opened and the outbox's retry thread started here, at start,
rather than by the first action that needs them.

Not `python -m actions`: rasa-sdk imports every module of the actions package, a `__main__` too.
"""

import sys

from rasa_sdk.__main__ import main as serve

from bot.services import get_store, start_outbox_flusher


def main() -> int:
    start_outbox_flusher(get_store())
    serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
