"""Re-exports :mod:`sise.market.timeutil`, where market time is defined.

Kept so that code importing the old location keeps working; new code imports
``sise.market.timeutil``.
"""

from __future__ import annotations

from sise.market.timeutil import KST, NS, kst_date, kst_datetime, kst_ns, kst_second_of_day

__all__ = ["KST", "NS", "kst_date", "kst_datetime", "kst_ns", "kst_second_of_day"]
