"""`make bench`: the figures of SPEC §3, each with its unit and PASS or FAIL."""
