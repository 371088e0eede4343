"""(c) Scale: list pages and queues with 100,000 applications, 1,000,000 notifications and
20,000 outages (SPEC §3)."""

from __future__ import annotations

from bench.report import Report


def measure(report: Report) -> None:
    report.section("(c) scale")
    from bench import scale_applications, scale_outages

    scale_applications.measure(report)
    scale_outages.measure(report)
