"""Review rules: every state change of the platform goes through this package."""
