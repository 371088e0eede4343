"""Writes under concurrency: the mixed load of `python -m bench mixed` in the suite."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Cheaper password hashing for the server, as the suite's own TestingConfig has it: the
#: load is about the transactions around the hash, not its cost.
CHEAP_HASHES = {"PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_COST": "1024"}


def test_the_password_hash_cost_comes_from_the_environment():
    """So the suite's gunicorn (development settings) hashes as cheaply as TestingConfig."""
    code = "import config; print(config.Config.PASSWORD_HASH_TIME_COST, config.Config.PASSWORD_HASH_MEMORY_COST)"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "", **CHEAP_HASHES})
    assert run.stdout.split() == ["1", "1024"]
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env={})
    assert run.stdout.split() == ["3", "65536"]
