"""``python -m skaudio``: the ``skaudio`` command."""

import sys

from .cli import main

if __name__ == "__main__":  # not when pytest's --doctest-modules imports it
    sys.exit(main())
