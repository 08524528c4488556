"""Renderers: a scene view (plain arrays read from the USD stage) in, named buffers out.

Every renderer returns the same buffers (see Buffers); labels never ask a
renderer, tests compare the two.
"""
