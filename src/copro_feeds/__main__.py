"""``python -m copro_feeds`` runs the ``copro-feeds`` command."""

import sys

from copro_feeds._cli import main

sys.exit(main())
