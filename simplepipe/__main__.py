"""`python -m simplepipe` is the `simplepipe` command."""
import sys

from simplepipe.cli import main

sys.exit(main())
