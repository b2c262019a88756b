"""``python -m skaudio``: the ``skaudio`` command."""

import sys

from .cli import main

sys.exit(main())
