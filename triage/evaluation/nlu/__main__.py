"""`python -m triage.evaluation.nlu`: see runner.py."""

import sys

from triage.evaluation.nlu.runner import main

sys.exit(main())
