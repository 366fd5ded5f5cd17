"""Flet views, one module per screen."""
