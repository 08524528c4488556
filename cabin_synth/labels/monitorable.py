"""Whether the camera can monitor the driver's eyes in a frame, and over a clip:
from the frame's view_occlusion and illumination labels (ray casts against its
geometry, labels/occluders.py), never from pixels (docs/labels.md, Clips,
`per_frame.unmonitored` and `monitoring`).

A frame cannot be monitored when occluders hide the eyes from the camera
(`view_occlusion.blocked`: the reasons are the classes of the parts that hide
eye landmarks), or when it is dark outside and no NIR illuminator reaches the
face (`unlit`): by day the sun and sky light the face whatever the
illuminators do, at night they are all there is. Lenses are not opaque to the
ray casts: dark sunglasses hide nothing here (their NIR transmittance is the
compliance label `eyewear_nir_transmittance`).
"""

from typing import Any, Mapping, Sequence

from ..behaviour.clips import run_event, runs

# Outside illuminance (lux) at or under which the illuminators alone light the face:
# the night of the protocols' conditions (protocols/*.yaml, `night`: 1-10 lux, present
# at 50 lux or less; a street-lit road at night is 10-50 lux).
DARK_LUX = 50.0
UNLIT = "unlit"


def unmonitored_reasons(frame: Mapping[str, Any]) -> list[str]:
    """Why the camera cannot monitor the eyes in this frame (its labels, as written to
    the frame JSON); empty when it can. Occluder classes by the share of the eyes they
    hide, then `unlit`."""
    reasons = []
    view = frame["view_occlusion"]
    if view["blocked"]:
        hiders = sorted((o for o in view["occluders"] if o["eye_share"] > 0), key=lambda o: -o["eye_share"])
        reasons += list(dict.fromkeys(o["class"] for o in hiders))
    dark = frame["params"]["lighting"]["sun_illuminance_lux"] <= DARK_LUX
    if dark and not any(ill["reaches_face"] for ill in frame["illumination"]):
        reasons.append(UNLIT)
    return reasons


def reason_counts(reasons: Sequence[Sequence[str]]) -> dict[str, int]:
    """Frames each reason holds, most first."""
    counts: dict[str, int] = {}
    for r in reasons:
        for c in r:
            counts[c] = counts.get(c, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def monitoring_summary(reasons: Sequence[Sequence[str]], fps: int) -> dict[str, Any]:
    """A clip's `monitoring`: the share of its frames the camera cannot monitor, and the
    maximal runs of such frames with the frames each reason holds in the run."""
    spans = [run_event(a, b, fps, reasons=reason_counts(reasons[a:b])) for a, b in runs([bool(r) for r in reasons])]
    n = len(reasons)
    return {"unmonitored_share": sum(bool(r) for r in reasons) / n if n else 0.0, "spans": spans}


def with_monitoring(clip: Mapping[str, Any], frames: Sequence[Mapping[str, Any]], fps: int) -> dict[str, Any]:
    """Clip labels with `per_frame.unmonitored` and `monitoring`, from its frames' labels."""
    reasons = [unmonitored_reasons(f) for f in frames]
    return dict(clip, per_frame=dict(clip["per_frame"], unmonitored=reasons),
                monitoring=monitoring_summary(reasons, fps))
