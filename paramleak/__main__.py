"""``python -m paramleak``: the ``paramleak`` command."""

from __future__ import annotations

import sys

from paramleak._cli import main

if __name__ == "__main__":
    sys.exit(main())
