"""Review rules: every state change of the platform goes through this package.

Importing the package registers the business tables, so `engine.business(type)` always finds them.
"""
from app.workflow import businesses  # noqa: F401  - registers the six transition tables
