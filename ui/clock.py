"""Today's date, overridable (POLICY_QA_TODAY=YYYY-MM-DD) so screenshots and tests are reproducible."""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    value = os.environ.get("POLICY_QA_TODAY", "").strip()
    return dt.date.fromisoformat(value) if value else dt.date.today()
