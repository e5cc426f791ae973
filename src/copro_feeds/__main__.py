"""``python -m copro_feeds`` runs the ``copro-feeds`` command."""

import sys

from copro_feeds._cli import main

if __name__ == "__main__":  # not when a worker process imports this module
    sys.exit(main())
