"""Citizen participation: collect ideas, screen them, condense them into project profiles."""
