"""Clips: behaviour models in continuous time and their sampling into frames."""
