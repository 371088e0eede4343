"""(c) Scale: list pages and queues with 100,000 applications, 1,000,000 notifications and
20,000 outages (SPEC §3). Filled in as the features that own those tables land."""
from __future__ import annotations

from bench.report import Report


def measure(report: Report) -> None:
    report.section("(c) scale")
    report.info("applications and notifications: not measured yet (needs the applications feature)")
    from bench import scale_outages

    scale_outages.measure(report)
