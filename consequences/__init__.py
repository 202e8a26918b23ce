"""The offense catalog and the consequence engine.

Knows nothing of cases or HTTP: the cases app calls ``consequences.engine``.
"""
