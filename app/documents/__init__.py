"""Word documents (docxtpl): each has a shipped template and a context built by a pure function of its records."""
