"""Domain services: validate everything, then change state in one transaction."""
