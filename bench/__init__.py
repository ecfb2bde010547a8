"""`make bench`: reproducible performance figures for the Tân Bình GIS server.

Each section (``load`` today; tiles and the API later) measures the project
against an outside anchor on the same data and the same database in the same
run, so a ratio means something even on a different machine. Results go to
the terminal as a table and to ``bench/results/latest.json`` as figures with
goals.
"""
