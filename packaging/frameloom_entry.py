"""The bundle's entry point: the ``frameloom`` command (:func:`studio.app.main`)."""

import multiprocessing
import sys

from studio.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen child process runs its task, not the studio
    sys.exit(main())
