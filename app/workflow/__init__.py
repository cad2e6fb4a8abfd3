"""Review rules: every state change of the platform goes through this package.

Importing the package registers the business tables, so `engine.business(type)` always finds them, and who is
told after each transition.
"""
from app.workflow import businesses  # noqa: F401  - registers the six transition tables
from app.workflow import notify  # noqa: F401  - registers the messages sent after every transition
from app.workflow import ce_totals, handled  # noqa: F401  - keep the 年度学时 sums and 已办's index with every write
