"""Run every measurement of SPEC §3 and exit non-zero on any FAIL.

make bench                  # everything
python -m bench weights     # one part: weights | load | scale | mixed
"""

from __future__ import annotations

import os
import sys
import time

from bench.report import Report


def main(argv: list[str]) -> int:
    parts = argv or ["weights", "load", "scale", "mixed"]
    report = Report()
    started = time.time()
    os.environ.setdefault("MAIL_DISPATCH", "off")
    if "weights" in parts:
        from bench import weights
        from bench.demo_app import demo_app

        with demo_app() as app:
            weights.measure(app, report)
    if "load" in parts:
        from bench import load

        load.measure(report)
    if "scale" in parts:
        from bench import scale

        scale.measure(report)
    if "mixed" in parts:
        from bench import mixed

        mixed.measure(report)
    print(f"\n{len(report.lines)} budget lines, {len(report.failed)} FAIL, {time.time() - started:.0f} s")
    for line in report.failed:
        print(f"FAIL: {line}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
