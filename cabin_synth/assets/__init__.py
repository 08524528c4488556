"""Generators of the USD assets under usd_assets/ (cabins, accessories)."""
