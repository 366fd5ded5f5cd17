"""Doorstep: offline field app for social-assistance home visits in Jinhua."""

__version__ = "0.1.0"
