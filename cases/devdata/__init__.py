"""Invented data for development, demos and benchmarks, kept out of the app's core.

`demo` seeds the hand-written demo offices (`manage.py seed_demo`); `volume` bulk-generates
synthetic years of records (`manage.py seed_volume`). Nothing at run time imports these.
"""
