"""Helpers shared by several test packages (not fixtures: those live in conftest.py)."""
