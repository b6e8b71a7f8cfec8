"""Evaluating project profiles against criteria in rating rounds, into priority groups."""
