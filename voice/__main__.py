"""`python -m voice`: the AudioSocket gateway (the same as `triage voice --serve`).

It builds its own parser with only the phone sub-command, so the phone line starts without the
application package or the console (and their password hashing) being imported.
"""

import argparse
import sys

from voice import cli


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m voice")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["voice", "--serve", *argv])
    return int(args.func(args) or 0)


sys.exit(main(sys.argv[1:]))
