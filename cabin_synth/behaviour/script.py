"""Scripted behaviour: events at chosen times instead of drawn ones.

A compliance scenario (cabin_synth.compliance) needs a glance of exactly so
long at a chosen place, an eye closure of a chosen length, a hand at the face
for a while. A Script lists them; models.plan then replaces the random glance
process by the scripted glances and adds the closures and hand poses, while
road scanning, blinks, yawns, talking and laughing keep their own processes
and streams. Plain data, so a scenario can be written to clip.json as it is.
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Glance:
    start_s: float            # the saccade away from the road starts
    target: str               # a cabin zone name, or "phone"
    movement: str             # lizard | owl | body_lean (docs/behaviour.md)
    dwell_s: float            # fixation on the target, between the saccade there and the one back
    phone_position: str = "lap"   # where the phone is when target is "phone" (accessories.PHONE_POSITIONS)


@dataclass(frozen=True)
class Closure:
    start_s: float            # the lids start to close
    closed_s: float           # how long they stay shut
    nod: bool = True          # the head drops while the eyes are shut, as in a microsleep


@dataclass(frozen=True)
class HandPose:
    start_s: float
    end_s: float
    pose: str                 # a body hand pose (body.params.HAND_POSES), e.g. eye_rub


@dataclass(frozen=True)
class Script:
    glances: tuple[Glance, ...] = ()
    closures: tuple[Closure, ...] = ()
    hands: tuple[HandPose, ...] = ()

    def to_dict(self) -> dict:
        return asdict(self)
