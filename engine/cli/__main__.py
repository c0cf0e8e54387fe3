"""``python -m engine.cli``: the ``frameloom-engine`` command."""

import sys

from engine.cli.main import main

sys.exit(main())
