"""`make bench-voice`: the phone line's benchmark (voice/bench.py) against a started assistant.

voice/bench.py measures the recognisers and voices and, given --rasa-url, the delay of real calls.
Without --rasa-url (and unless --no-latency), this starts the assistant on free ports with the
trained model, passes its address and stops it at the end.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from triage.stack import Stack
from triage.train import model_path
from voice import bench


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--rasa-url" in args or "--no-latency" in args:
        return bench.main(args)
    model = model_path()
    if not model.exists():
        print("No trained model (run `make model`): no call latency.", file=sys.stderr)
        return bench.main(args)
    with tempfile.TemporaryDirectory(prefix="bench-voice-") as var_dir:
        stack = Stack.isolated(model, Path(var_dir), with_console=False)
        stack.start()
        try:
            return bench.main([*args, "--rasa-url", stack.rasa_url])
        finally:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
