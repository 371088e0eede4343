"""The Russian production calendar and deadline arithmetic (SPEC §2.8)."""
