"""``python -m sparkq_tui.runner``: the same as ``sparkq runner``."""

import sys

from sparkq_tui.runner import main

raise SystemExit(main(sys.argv[1:]))
