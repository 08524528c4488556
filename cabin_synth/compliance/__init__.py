"""Compliance test sets: regulations and rating protocols as data, clips that
script each scenario either side of its thresholds, the response each clip
requires and why, scoring of a DMS's warnings, and a visual report
(docs/compliance.md)."""
