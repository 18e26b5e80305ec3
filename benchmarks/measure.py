"""Run a command and report its wall time and peak memory (the largest resident set of it and of every
process it started and waited for: ``getrusage(RUSAGE_CHILDREN).ru_maxrss``).

Usage: python measure.py RESULT.json -- COMMAND [ARG ...]
The command's stdout and stderr pass through; RESULT.json gets {"returncode", "wall_s", "maxrss_kib"}.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> int:
    result_path, separator, *command = sys.argv[1:]
    assert separator == "--" and command, __doc__
    started = time.perf_counter()
    returncode = subprocess.run(command).returncode
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump({"returncode": returncode, "wall_s": round(wall, 3), "maxrss_kib": usage.ru_maxrss}, handle)
    return returncode


if __name__ == "__main__":
    sys.exit(main())
