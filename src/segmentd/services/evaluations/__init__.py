"""Evaluating contexts against stored segments."""
