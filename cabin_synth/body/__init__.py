"""The driver's body below the head: neck, torso, arms, hands on the wheel or
the phone, legs, and the seat belt, in the vehicle frame (docs/driver.md, Body).

    from cabin_synth.body.build import build_body, body_topology

params.py (the preset's `body` section) stays importable on its own: the
sampler needs it, and build.py needs the rig, which needs the sampler.
"""

from .params import HAND_POSES, SEAT_BELT, SLEEVES, BodyParams

__all__ = ["BodyParams", "HAND_POSES", "SLEEVES", "SEAT_BELT"]
