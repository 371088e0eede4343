"""Rules of grid connection (Decree 861) that both the calculator and the applications use:
the applicant's category, voltage bands and the p.16 implementation term. Plain functions,
no Flask."""
