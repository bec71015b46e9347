"""``python -m facebuild``."""

import sys

from facebuild.cli import main

sys.exit(main())
