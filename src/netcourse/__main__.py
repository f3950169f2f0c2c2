"""``python -m netcourse``: the same as the ``netcourse`` command."""

import sys

from .commands import main

sys.exit(main())
