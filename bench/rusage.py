"""``python -m bench.rusage REPORT COMMAND…``: run COMMAND and write its peak RSS (KiB) to REPORT.

The fallback when GNU time (Debian package ``time``) is missing. This runner
has exactly one child, so ``RUSAGE_CHILDREN``'s maximum is that child's own
peak, measured by the kernel just like ``/usr/bin/time -f %M``.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    report, command = Path(argv[0]), argv[1:]
    code = subprocess.run(command, check=False).returncode
    report.write_text(f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
