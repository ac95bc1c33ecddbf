"""`python -m voice`: the AudioSocket gateway (the same as `triage voice --serve`)."""

import sys

from bot.cli import main

sys.exit(main(["voice", "--serve", *sys.argv[1:]]))
