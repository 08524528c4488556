"""Sampler: preset + (seed, frame index) -> FrameParams. Pure, no I/O.

Every field draws from its own stream keyed by (seed, index, 'section.field'),
so adding, removing or reordering fields leaves every other draw unchanged.
Designs, conditions and correlations (design.py, dependencies.py) only change
how a field uses its own stream.
"""

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
from scipy.stats import norm

from ..body.params import BodyParams
from ..body.poses import HAND_HELD
from ..driver import Identity, sample_identity
from ..scene import daylight
from ..scene.accessories import Accessories
from ..scene.placement import CLEARANCE_M
from ..scene.solar import sun_in_vehicle
from . import dependencies
from .distributions import draw, quantile
from .preset import Preset
from .streams import stream


@dataclass(frozen=True)
class Lighting:
    sun_illuminance_lux: float
    sun_elevation_deg: float
    sun_azimuth_deg: float
    sky_fraction: float
    dome_light: str = "none"         # none | led | incandescent (cabin_synth.scene.lamps)
    dome_light_flux_lm: float = 0.0
    dome_light_cct_k: float = 0.0
    cloud_cover: float | None = None  # the daylight model's input (scene/daylight.py); None: the preset gave the daylight


@dataclass(frozen=True)
class Environment:
    """The world outside the vehicle (preset section `environment`, optional; docs/presets.md)."""
    setting: str = "suburban"         # urban | suburban | rural | highway | tunnel (cabin_synth.scene.world)
    road_lights: str = "led"          # none | sodium | led: the lamps over the road (and in a tunnel)
    road_light_lux: float = 15.0      # their maintained mean illuminance on the road, lux
    traffic: int = 2                  # other vehicles placed around the ego vehicle
    layout_seed: int = 0              # where things stand (cabin_synth.scene.world.layout); a clip keeps its base's


ENVIRONMENT_FIELDS = ("setting", "road_lights", "road_light_lux", "traffic")


@dataclass(frozen=True)
class FrameParams:
    """Everything that varies per frame; downstream stages are functions of it."""

    seed: int
    index: int
    cabin: str
    drive: str
    identity: Identity
    head_euler_deg: tuple[float, float, float]   # yaw, pitch, roll (docs/conventions.md)
    head_offset_m: tuple[float, float, float]    # from the seated eye point, vehicle frame
    gaze_yaw_deg: float                          # eye-in-head, same signs as head yaw/pitch
    gaze_pitch_deg: float
    gaze_distance_m: float
    eyelid_closure: float
    pupil_diameter_mm: float
    retroreflectance: float                      # bright-pupil strength (docs/sensors.md)
    expression: dict[str, float]
    camera_mount: str
    camera_offset_m: tuple[float, float, float]  # vehicle frame
    camera_aim_offset_deg: tuple[float, float]   # yaw, pitch of the aim point as seen from the camera
    lighting: Lighting
    accessories: Accessories
    seat_travel_mm: tuple[float, float] = (0.0, 0.0)   # fore-aft (+X), height (+Z) from the stature rule's seat
    body: BodyParams = BodyParams()              # preset section 'body' (optional; defaults otherwise)
    environment: Environment = Environment()     # preset section 'environment' (optional; defaults otherwise)
    camera_clearance_m: float = CLEARANCE_M      # static parts stay out of this depth of the view (scene/placement.py)
    subject: int | None = None                   # which of the preset's `subjects` the driver is; None: drawn per frame

    def driver(self) -> dict[str, Any]:
        """The `driver` labels of a frame or clip: the identity and which subject it is."""
        return {**self.identity.to_dict(), "subject": self.subject}

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d.update(identity=self.identity.to_dict(), lighting=asdict(self.lighting),
                 head_euler_deg=list(self.head_euler_deg), head_offset_m=list(self.head_offset_m),
                 camera_offset_m=list(self.camera_offset_m), camera_aim_offset_deg=list(self.camera_aim_offset_deg),
                 expression=dict(self.expression), accessories=self.accessories.to_dict(),
                 seat_travel_mm=list(self.seat_travel_mm), body=self.body.to_dict(),
                 environment=asdict(self.environment))
        return d


class FieldSampler:
    """The values of one preset's fields at one (seed, index), each drawn once
    from its own stream and kept; `derived` supplies values that conditions may
    read but that are not preset fields (driver.stature_m). With `person` (a
    preset with `subjects`), the fields of the person (PERSON_FIELDS) are that
    subject's sampler's; `namespace` keeps a subject's streams apart from a
    frame's of the same index."""

    def __init__(self, preset: Preset, seed: int, index: int, derived=None, person: "FieldSampler | None" = None,
                 namespace: str = ""):
        self.preset, self.seed, self.index = preset, seed, index
        self.derived = derived or {}
        self.person, self.namespace = person, namespace
        self._values: dict[str, Any] = {}
        self._correlated = {n: g for g in preset.data.get("correlated") or [] for n in g["fields"]}

    def rng(self, name: str) -> np.random.Generator:
        return stream(self.seed, self.index, self.namespace + name)

    def spec(self, name: str) -> Any:
        section, key = name.split(".")
        rule = (self.preset.data.get("conditional") or {}).get(name)
        if rule is None:
            return self.preset.section(section)[key]
        given = self.derived[rule["given"]]() if rule["given"] in self.derived else self(rule["given"])
        return dependencies.case_spec(rule, given)

    def __call__(self, name: str) -> Any:
        if self.person is not None and dependencies.is_person_field(name):
            return self.person(name)
        if name not in self._values:
            self._values[name] = self._draw(name)
        return self._values[name]

    def _draw(self, name: str) -> Any:
        design = self.preset.design
        if design is not None and name in design.fields:
            factor = design.factors[design.fields.index(name)]
            level = design.cell(self.seed, self.index)[design.fields.index(name)]
            return design.value(factor, level, self.spec(name), self.rng(name))
        group = self._correlated.get(name)
        if group is not None:
            z = np.array([self.rng(n).standard_normal() for n in group["fields"]])
            mixed = dependencies.correlation_factor(group) @ z
            return quantile(self.spec(name), float(norm.cdf(mixed[group["fields"].index(name)])))
        return draw(self.spec(name), self.rng(name))


SUBJECT_NAMESPACE = "subject:"


def subject_of(preset: Preset, seed: int, index: int) -> int | None:
    """The subject (0 .. subjects - 1) frame or clip `index` shows; None without `subjects`."""
    subjects = preset.data.get("subjects")
    return None if subjects is None else int(stream(seed, index, "subject").integers(subjects))


def sample_frame(preset: Preset, seed: int, index: int) -> FrameParams:
    drawn: list[Identity] = []   # the driver, once sampled: conditions on stature read it
    derived = {"driver.stature_m": lambda: drawn[0].stature_m}
    subject = subject_of(preset, seed, index)
    # A subject's person fields and identity are drawn from the subject's own streams, so every
    # frame of it shows the same person; without subjects each frame draws its own driver.
    person = (None if subject is None else
              FieldSampler(preset, seed, subject, derived=derived, namespace=SUBJECT_NAMESPACE))
    identity_rng = (stream(seed, index, "driver.identity") if subject is None else
                    stream(seed, subject, SUBJECT_NAMESPACE + "driver.identity"))
    values = FieldSampler(preset, seed, index, derived=derived, person=person)

    def field(section: str, key: str):
        return values(f"{section}.{key}")

    def vector(section: str, key: str, n: int) -> tuple[float, ...]:
        scale = field(section, key)
        return tuple(float(v) for v in stream(seed, index, f"{section}.{key}.offset").normal(0.0, scale, n))

    sex, age, skin = field("driver", "sex"), field("driver", "age_years"), int(field("driver", "skin_type"))
    body = sample_body(preset, field)
    phone = str(field("accessories", "phone"))
    if body.hand_pose == "phone_in_hand" and phone not in HAND_HELD:
        # the pose needs the phone in the hand: one of the hand-held positions, from its own stream
        phone = HAND_HELD[int(stream(seed, index, "body.phone_position").integers(len(HAND_HELD)))]
    # a hand at the eye or over the mouth takes the place of glasses or a mask (the hand would pass through them)
    bare = {"eye_rub": ("eyewear",), "mouth_cover": ("face",)}.get(body.hand_pose, ())
    # make-up draws from its own stream, and only when the preset names it
    makeup = str(field("driver", "makeup")) if "makeup" in preset.section("driver") else "none"
    identity = sample_identity(identity_rng, sex=sex, age_years=age, skin_type=skin,
                               makeup=makeup, **fixed_identity(preset, field))
    drawn.append(identity)
    return FrameParams(
        seed=seed,
        index=index,
        cabin=field("cabin", "name"),
        drive=field("cabin", "drive"),
        identity=identity,
        subject=subject,
        head_euler_deg=tuple(float(field("head_pose", k)) for k in ("yaw_deg", "pitch_deg", "roll_deg")),
        head_offset_m=tuple(float(field("head_pose", k)) for k in ("offset_x_m", "offset_y_m", "offset_z_m")),
        gaze_yaw_deg=float(field("gaze", "yaw_deg")),
        gaze_pitch_deg=float(field("gaze", "pitch_deg")),
        gaze_distance_m=float(field("gaze", "distance_m")),
        eyelid_closure=float(field("eyes", "closure")),
        pupil_diameter_mm=float(field("eyes", "pupil_diameter_mm")),
        retroreflectance=float(field("eyes", "retroreflectance")),
        expression={k: float(field("expression", k)) for k in sorted(preset.section("expression"))},
        camera_mount=field("camera", "mount"),
        camera_offset_m=vector("camera", "position_jitter_m", 3),
        camera_aim_offset_deg=vector("camera", "aim_jitter_deg", 2),
        lighting=sample_lighting(preset.section("lighting"), lambda key: field("lighting", key)),
        accessories=Accessories(**{k: "none" if k in bare else str(field("accessories", k)) for k in
                                   ("eyewear", "sunglasses_lens", "headwear", "face", "neck")}, phone=phone),
        seat_travel_mm=tuple(float(field("seat", k)) if k in preset.data.get("seat", {}) else 0.0
                             for k in ("fore_aft_mm", "height_mm")),
        body=body,
        environment=sample_environment(preset, field, stream(seed, index, "environment.layout")),
        camera_clearance_m=float(field("camera", "clearance_m")) if "clearance_m" in preset.section("camera")
        else CLEARANCE_M,
    )


def fixed_identity(preset: Preset, field: Callable[[str, str], Any]) -> dict[str, Any]:
    """The optional driver fields that fix what the identity model would draw:
    stature_percentile, hair_style, facial_hair (docs/presets.md)."""
    given = preset.section("driver")
    kinds = {"stature_percentile": float, "hair_style": str, "facial_hair": str}
    return {name: kind(field("driver", name)) for name, kind in kinds.items() if name in given}


def sample_body(preset: Preset, field: Callable[[str, str], Any]) -> BodyParams:
    """The optional `body` section: fields it leaves out keep BodyParams' defaults."""
    given = preset.data.get("body") or {}
    values = {f.name: field("body", f.name) for f in fields(BodyParams) if f.name in given}
    for name in ("build", "lean_forward_deg", "lean_side_deg", "steering_wheel_deg"):
        if name in values:
            values[name] = float(values[name])
    return BodyParams(**{k: v if isinstance(v, float) else str(v) for k, v in values.items()})


def sample_environment(preset: Preset, field: Callable[[str, str], Any], layout: np.random.Generator) -> Environment:
    """The optional `environment` section: fields it leaves out keep Environment's defaults.
    Where things stand outside is drawn apart, as a seed from the frame's stream
    'environment.layout' (cabin_synth.scene.world), so it never shifts these fields' draws."""
    given = preset.data.get("environment") or {}
    values = {name: field("environment", name) for name in ENVIRONMENT_FIELDS if name in given}
    kinds = {"setting": str, "road_lights": str, "road_light_lux": float, "traffic": lambda v: int(round(float(v)))}
    return Environment(**{k: kinds[k](v) for k, v in values.items()}, layout_seed=int(layout.integers(2**62)))


def sample_lighting(section: Mapping[str, Any], field: Callable[[str], Any]) -> Lighting:
    """The sun either as elevation and azimuth, or from clock time, date, latitude
    and the vehicle's heading (cabin_synth.scene.solar); each field keeps its own stream.
    With a `cloud_cover` the daylight model (cabin_synth.scene.daylight) gives the
    illuminance and the diffuse share for the sun's elevation, unless the section
    gives them: one given wins (a protocol's condition that sets the illuminance
    keeps the model's diffuse share); both given leave the model out, the cover
    undrawn and unlabelled (a script fixing the daylight on a model preset). The
    dome light is off unless the section names it."""
    number = lambda key: float(field(key))
    if "time_of_day_h" in section:
        elevation, azimuth = sun_in_vehicle(number("time_of_day_h"), number("day_of_year"),
                                            number("latitude_deg"), number("heading_deg"))
    else:
        elevation, azimuth = number("sun_elevation_deg"), number("sun_azimuth_deg")
    dome = {}
    if "dome_light" in section and (kind := str(field("dome_light"))) != "none":
        dome = dict(dome_light=kind, dome_light_flux_lm=number("dome_light_flux_lm"),
                    dome_light_cct_k=number("dome_light_cct_k"))
    if "cloud_cover" not in section or {"sun_illuminance_lux", "sky_fraction"} <= section.keys():
        return Lighting(number("sun_illuminance_lux"), elevation, azimuth, number("sky_fraction"), **dome)
    cover = number("cloud_cover")
    modelled = dict(zip(("sun_illuminance_lux", "sky_fraction"), daylight.open_air(elevation, cover)))
    lux, fraction = (number(key) if key in section else modelled[key] for key in modelled)
    return Lighting(lux, elevation, azimuth, fraction, **dome, cloud_cover=cover)


def gaze_direction_head(yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Unit eye-in-head gaze direction (head frame) for the conventions' yaw/pitch signs."""
    yaw, pitch = np.radians([yaw_deg, pitch_deg])
    return np.array([np.cos(pitch) * np.cos(yaw), np.cos(pitch) * np.sin(yaw), -np.sin(pitch)])
