"""The company that runs the portal: its details and VAT (SPEC §4.7, §2.5)."""
