"""Pieces every feature shares: clock, text normalisation, forms, htmx, security, files, PDFs."""
