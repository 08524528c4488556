"""What a frame shows of the conditions that can stop a driver monitor from
seeing the eyes: per-frame quantities from the frame's parameters, and which of
a protocol's conditions they make present (the `present` predicates).

These come from what the frame is made of (accessories, hand pose, hair, the
ambient light, talking), not from ray casts or pixels: they say that dark
sunglasses or a cap are on, not how much of the eyes the camera still sees.
"""

from typing import Any, Mapping

from ..presets.sampler import FrameParams
from ..scene.accessories import NONE, lens_material

QUANTITIES = ("ambient_lux", "eyewear_kind", "eyewear_nir_transmittance", "facial_hair", "hair_style",
              "hand_pose", "face_cover", "headwear", "talking")


def eyewear_kind(name: str) -> str:
    return "none" if name == NONE else "sunglasses" if name.startswith("sunglasses") else "glasses"


def eyewear_transmittance(params: FrameParams, wavelength_nm: int) -> float:
    """Single-pass transmittance of the worn lenses at the camera's NIR wavelength (1: no eyewear);
    the quantity by which Euro NCAP classes sunglasses (above 70 %, below 15 %)."""
    acc = params.accessories
    if acc.eyewear == NONE:
        return 1.0
    lens = lens_material(acc.eyewear, acc.sunglasses_lens)
    return float({850: lens.nir_t_850, 940: lens.nir_t_940}[wavelength_nm])


def quantities(params: FrameParams, talking: bool, wavelength_nm: int) -> dict[str, Any]:
    """The per-frame quantities that conditions' `present` predicates test."""
    return {
        "ambient_lux": float(params.lighting.sun_illuminance_lux),
        "eyewear_kind": eyewear_kind(params.accessories.eyewear),
        "eyewear_nir_transmittance": eyewear_transmittance(params, wavelength_nm),
        "facial_hair": params.identity.facial_hair,
        "hair_style": params.identity.hair_style,
        "hand_pose": params.body.hand_pose,
        "face_cover": params.accessories.face,
        "headwear": params.accessories.headwear,
        "talking": bool(talking),
    }


def holds(predicate: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    v = values[predicate["quantity"]]
    return (("in" not in predicate or v in predicate["in"])
            and ("min" not in predicate or v >= predicate["min"])
            and ("max" not in predicate or v <= predicate["max"]))


def present(conditions: Mapping[str, Mapping[str, Any]], values: Mapping[str, Any]) -> list[str]:
    """Names of the conditions whose predicates all hold (a condition with none never does)."""
    return [name for name, c in conditions.items()
            if c["present"] and all(holds(p, values) for p in c["present"])]
