"""What the body needs from the cabin, read once per composed stage: the seat
back's angle, the steering wheel's frame and rim torus, the belt's upper
anchor (D-ring) on the B-pillar and the phone's poses."""

from dataclasses import dataclass

import numpy as np
from pxr import Usd, UsdGeom

from ..scene.cabin import CabinInfo


@dataclass(frozen=True)
class BodyAnchors:
    back_angle_deg: float          # backrest from vertical (SAE A40)
    wheel_centre: np.ndarray       # (3,) hub centre, vehicle frame
    wheel_R: np.ndarray            # (3,3) columns: wheel +X (3 o'clock), +Y (12 o'clock), +Z (column axis, to the driver)
    rim_radius: float              # radius of the rim's tube centre circle
    rim_tube: float                # radius of the rim's cross-section
    outboard: float                # +1 when the driver's door is at +Y (lhd), -1 (rhd)
    d_ring_xy: np.ndarray          # (2,) belt upper anchor x, y on the B-pillar; its height follows the shoulder
    d_ring_z_range: tuple[float, float]
    phone_poses: dict              # Euro NCAP position -> (R_vehicle_phone, t_vehicle_phone)


def body_anchors(stage: Usd.Stage, root: str, cabin: CabinInfo, phone_poses: dict) -> BodyAnchors:
    from ..assets.cabins import SPECS

    spec = SPECS.get(cabin.name)
    if spec is None:
        raise ValueError(f"cabin {cabin.name!r} has no package dimensions in cabin_assets.SPECS "
                         "(the body needs its seat-back angle and B-pillar)")
    rim = UsdGeom.Mesh(stage.GetPrimAtPath(f"{root}/SteeringWheel/Rim"))
    pts = np.asarray(rim.GetPointsAttr().Get(), float)
    radial = np.hypot(pts[:, 0], pts[:, 1])
    axis = cabin.wheel_axis
    up = np.array([0.0, 0.0, 1.0])
    twelve = up - axis * np.dot(up, axis)
    twelve /= np.linalg.norm(twelve)
    out = 1.0 if cabin.driver_seat[1] > 0 else -1.0
    return BodyAnchors(
        back_angle_deg=spec.back_angle_deg, wheel_centre=cabin.wheel_centre.copy(),
        wheel_R=np.stack([np.cross(twelve, axis), twelve, axis], axis=1),
        rim_radius=float(radial.max() + radial.min()) / 2, rim_tube=float(radial.max() - radial.min()) / 2,
        outboard=out, d_ring_xy=np.array([spec.b_pillar_x[1] + 0.03, out * (spec.half_width - 0.03)]),
        d_ring_z_range=(spec.beltline_z + 0.08, spec.roof_z - 0.12), phone_poses=dict(phone_poses))
