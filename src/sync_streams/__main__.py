"""``python -m sync_streams`` is the same as the ``sync-streams`` command."""

import sys

from sync_streams.cli import main

sys.exit(main())
