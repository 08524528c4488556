"""One frame through every stage, and the loop that writes a dataset.

preset -> sampler -> driver geometry + rig -> USD scene -> stage view ->
labels (geometry) and render (pixels) -> sensor -> writer. docs/architecture.md
draws the same path.
"""

import hashlib
import json
import tempfile
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
from pxr import Usd

from . import __version__
from .body.build import BodyGeometry, build_body
from .body.face_hands import face_hand_side
from .dataset import schemas
from .dataset.lock import OutputLock, holders
from .dataset.provenance import SEEDING, software
from .dataset.shards import MAX_FRAMES, WHOLE, Shard, merged_entries, write_part
from .dataset.writer import IMAGE_FORMATS, DatasetWriter, camera_format, encode_frame, file_matches
from .driver import LANDMARK_NAMES, DriverGeometry, FaceState, build_driver
from .engines import local
from .engines.stop import Interrupted, StopRequest
from .errors import UserError
from .labels.frame import frame_labels
from .labels.monitorable import with_monitoring
from .labels.occluders import occlusion_labels
from .labels.semantics import CLASS_ID, CLASSES
from .presets.preset import Preset
from .presets.sampler import FrameParams, sample_frame
from .presets.streams import stream
from .render import distort, make_renderer
from .render.buffers import Buffers
from .render.view import SceneView, StageReader
from .scene.lamps import LampOutput, lamp_output
from .scene.lighting import Daylight, daylight, time_of_day
from .scene.materials import body_materials, driver_materials
from .scene.eye_maps import eye_maps
from .scene.hair_cards import card_maps
from .scene.rig import Rig, build_rig
from .scene.skin import atlas_size, eye_occlusion, mouth_occlusion, skin_maps
from .scene.stage import Scene
from .scene.textures import TextureFolder, remove_damaged
from .scene.world import WorldLayout
from .scene.world import layout as world_layout
from .sensor import optics, shutter
from .sensor.exposure import expose as expose_nir, lit_radiance
from .sensor.model import fixed_pattern, nir_image, rgb_exposure, rgb_exposure_share, rgb_image

TEXTURES = "textures"   # the stage's texture files, inside the output folder
STAGES = ("sample", "scene", "labels", "render", "subframes", "optics", "sensor", "encode", "write")


@dataclass(frozen=True)
class Instant:
    """One instant of the scene: the stage posed, and what was posed on it."""
    scene: Scene
    rig: Rig
    geometry: DriverGeometry
    body: BodyGeometry
    view: SceneView
    dome: LampOutput | None
    light: Daylight
    world: WorldLayout


@dataclass
class Frame:
    params: FrameParams
    geometry: DriverGeometry
    view: SceneView
    labels: dict[str, Any]
    buffers: Buffers           # as rendered (integrated over the exposure in clips with a shutter), before the lens
    images: dict[str, np.ndarray]
    body: BodyGeometry | None = None


@dataclass
class Staged:
    """A frame up to its pixels: its state written into the stage, its labels made
    from geometry. Any renderer of `stage` (ours, or RTX through Replicator) turns it
    into a Frame with `expose`."""
    index: int
    params: FrameParams
    geometry: DriverGeometry
    view: SceneView
    labels: dict[str, Any]
    stage: Usd.Stage
    body: BodyGeometry | None = None


@dataclass
class Timings:
    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, stage: str, start: float) -> float:
        now = time.perf_counter()
        self.ms[stage].append((now - start) * 1e3)
        return now


def face_state(params: FrameParams, gaze_target_head: np.ndarray) -> FaceState:
    closure = np.full(2, params.eyelid_closure)
    if params.body.hand_pose == "eye_rub":   # the rubbed eye is shut (the driver's door is at +Y in lhd cars)
        closure[face_hand_side("eye_rub", 1.0 if params.drive == "lhd" else -1.0)] = 1.0
    return FaceState(gaze_target_head=gaze_target_head,
                     eyelid_closure=closure,
                     pupil_diameter_mm=params.pupil_diameter_mm,
                     expression=params.expression)


class FrameStager:
    """Keeps the USD stages per cabin variant and writes frame (seed, index) into
    them: everything of a frame but its pixels (Staged)."""

    def __init__(self, preset: Preset, seed: int, texture_dir: Path | None = None):
        """texture_dir: where the stage's texture files go (the sky dome's, the drivers' skin
        maps), inside the dataset's output folder; None: a temporary folder removed with this stager."""
        if texture_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="cabin_synth_textures_")
            texture_dir = Path(self._tmp.name)
        self.texture_dir = Path(texture_dir)
        self.preset = preset
        self.seed = seed
        self.sensor = preset.section("sensor")
        self._scenes: dict[tuple[str, str], tuple[Scene, StageReader]] = {}
        self.textures = TextureFolder(self.texture_dir)
        self.skin_texels = atlas_size(self.sensor["focal_length_mm"] * 1e3 / self.sensor["pixel_pitch_um"])

    def scene(self, params: FrameParams) -> tuple[Scene, StageReader]:
        """The stage of the frame's cabin variant, composed on first use."""
        key = (params.cabin, params.drive)
        if key not in self._scenes:
            # Only the topology of this geometry matters; every frame rewrites the points.
            rest = build_driver(params.identity, face_state(params, np.array([1.0, 0.0, 0.0])))
            scene = Scene(params.cabin, params.drive, rest, self.texture_dir)
            self._scenes[key] = (scene, StageReader(scene.stage))
        return self._scenes[key]

    def pose(self, params: FrameParams) -> Instant:
        """The stage posed as `params` say, read back as a SceneView."""
        sensor = self.sensor
        ident = params.identity
        scene, reader = self.scene(params)
        rig = build_rig(params, scene.cabin, sensor)
        geometry = build_driver(ident, face_state(params, rig.gaze_target_head))
        light = daylight(params.lighting, params.environment, sensor["nir"]["wavelength_nm"], sensor["nir"]["bandwidth_nm"])
        world = world_layout(params.environment, params.cabin, params.drive,
                             np.random.default_rng(params.environment.layout_seed))
        materials = driver_materials(ident.skin_type, ident.iris_rgb, params.retroreflectance,
                                     ident.hair_colour, ident.facial_hair, ident.brow_colour)
        lit = params.lighting
        dome = (lamp_output(lit.dome_light, lit.dome_light_flux_lm, lit.dome_light_cct_k,
                            sensor["nir"]["wavelength_nm"], sensor["nir"]["bandwidth_nm"])
                if lit.dome_light != "none" else None)
        band = sensor["nir"]["wavelength_nm"]
        scene.update(rig, geometry, materials, light, sensor, params.accessories, dome=dome,
                     skin_maps=skin_maps(ident, band, self.skin_texels, self.textures),
                     occlusion={**eye_occlusion(geometry), **mouth_occlusion(geometry)}, world=world,
                     material_maps={**{name: card_maps(name, m, band, self.textures) for name, m in materials.items()
                                       if m.opacity_threshold > 0},
                                    **eye_maps(ident, materials, band, self.textures)})
        body = build_body(params.body, params.accessories.phone, ident.sex, ident.stature_m, rig, geometry,
                          scene.body_anchors)
        scene.update_body(body, body_materials(ident.skin_type, params.body.clothing_colour),
                          params.body.steering_wheel_deg)
        view = reader.read(sensor["nir"]["wavelength_nm"], sensor["width"], sensor["height"])
        return Instant(scene, rig, geometry, body, view, dome, light, world)

    def stage(self, index: int, timings: Timings | None = None, params: FrameParams | None = None) -> Staged:
        """Frame `index` written into its cabin's stage, with its labels; its parameters
        are sampled unless given (clip frames, behaviour/clips.py)."""
        timings = timings or Timings()
        t = time.perf_counter()
        params = params or sample_frame(self.preset, self.seed, index)
        t = timings.add("sample", t)

        posed = self.pose(params)
        rig, view = posed.rig, posed.view
        t = timings.add("scene", t)

        hits: list = []
        labels = frame_labels(params, rig, posed.geometry, view, posed.scene.zones, posed.body, hits)
        labels.update(occlusion_labels(rig.camera, view, labels["landmarks"], hits))
        labels.update({
            "frame": index,
            "seed": self.seed,
            "preset": self.preset.name,
            "params": params.to_dict(),
            "lighting": {"sun_direction_vehicle": view.sun_direction.tolist(), "sun_lux_in_cabin": view.sun_lux,
                         "sky_lux_in_cabin": view.sky_lux, "sun_nir_w_m2": view.sun_nir_w_m2,
                         "sky_nir_w_m2": view.sky_nir_w_m2,
                         "illuminator_positions_vehicle_m": [ill.position.tolist() for ill in view.illuminators],
                         "dome_light": dome_light_labels(posed.dome, posed.scene.dome_light_position)},
            "environment": environment_labels(params, posed.light, posed.world),
            "seat": {"h_point_vehicle_m": rig.seat_h_point.tolist(), "travel_mm": rig.seat_travel_mm.tolist()},
        })
        timings.add("labels", t)
        return Staged(index, params, posed.geometry, view, labels, posed.scene.stage, posed.body)


def expose(staged: Staged, buffers: Buffers, sensor: Mapping[str, Any], pattern: tuple[np.ndarray, np.ndarray],
           seed: int, timings: Timings | None = None, rgb_exposure: tuple[float, float] | None = None,
           nir_exposure: tuple[float, float] | None = None, shutter_state: dict | None = None) -> Frame:
    """The lens and sensor stages: a staged frame's buffers (from any renderer) through
    the optics and the sensor models into its stored images; its noise from (seed,
    index) streams. rgb_exposure, nir_exposure: as `capture` takes them; shutter_state:
    how clip frames were exposed over time (FrameMaker.expose_over_time)."""
    index = staged.index
    nir, rgb, sensor_state = capture(buffers, staged.view.camera, sensor, pattern, seed, index,
                                     staged.labels["face_bbox_xyxy"], timings, rgb_exposure, nir_exposure)
    images = {
        "rgb": rgb,
        "nir": nir,
        "depth": depth_mm(buffers.depth),
        "seg": class_image(staged.view, buffers.instance),
        "ids": buffers.instance.astype(np.uint16),
    }
    labels = dict(staged.labels, sensor_state={**sensor_state, **({"shutter": shutter_state} if shutter_state else {})})
    return Frame(staged.params, staged.geometry, staged.view, labels, buffers, images, staged.body)


def depth_mm(depth_m: np.ndarray) -> np.ndarray:
    """The stored depth image: metres to uint16 millimetres (0: no surface)."""
    return np.clip(np.rint(depth_m * 1000.0), 0, 65535).astype(np.uint16)


def class_image(view: SceneView, instance: np.ndarray) -> np.ndarray:
    """The stored seg image: each pixel's class id from its instance id."""
    classes = np.array([CLASS_ID["background"]] + [CLASS_ID[i.semantic] for i in view.instances], np.uint8)
    return classes[instance]


class FrameMaker:
    """A FrameStager with a renderer and the sensor's fixed pattern: turns (seed,
    index) into a Frame."""

    def __init__(self, preset: Preset, seed: int, renderer=None, texture_dir: Path | None = None):
        """texture_dir: as FrameStager's."""
        self.stager = FrameStager(preset, seed, texture_dir)
        self.preset = preset
        self.seed = seed
        self.sensor = preset.section("sensor")
        self.renderer = renderer or make_renderer(preset.data.get("render", {}))
        self.pattern = fixed_pattern(self.sensor, stream(seed, 0, "sensor.fixed_pattern"))

    def scene(self, params: FrameParams) -> tuple[Scene, StageReader]:
        return self.stager.scene(params)

    def make(self, index: int, timings: Timings | None = None, params: FrameParams | None = None,
             at=None, exposure: tuple[float, float] | None = None) -> Frame:
        """Frame `index`; its parameters are sampled unless given (clip frames,
        behaviour/clips.py). Clip frames also pass `at`, the frame's parameters at
        times (s) from its own, over which a preset's `sensor.shutter` exposes, and
        `exposure`, the previous clip frame's (exposure index, metered level), which the
        NIR camera's exposure loop steps from (sensor/exposure.py); None: its steady state."""
        timings = timings or Timings()
        staged = self.stager.stage(index, timings, params)
        t = time.perf_counter()
        # Path tracers draw their samples from the frame's own stream.
        sampling_seed = int(stream(self.seed, index, "render.sampling").integers(2**31))
        buffers = distort.render(self.renderer, staged.view, staged.stage, sampling_seed)
        t = timings.add("render", t)
        metered, shutter_state = None, None
        if at is not None and "shutter" in self.sensor:
            buffers, metered, shutter_state = self.expose_over_time(buffers, staged.view.camera, at, sampling_seed)
            timings.add("subframes", t)
        return expose(staged, buffers, self.sensor, self.pattern, self.seed, timings, rgb_exposure=metered,
                      nir_exposure=exposure, shutter_state=shutter_state)

    def expose_over_time(self, buffers: Buffers, camera, at, sampling_seed: int) -> tuple[Buffers, tuple[float, float], dict]:
        """The radiance each row collects over its exposure window (sensor/shutter.py),
        the RGB exposure (metered at the frame's time, as the window needs it) and the
        shutter's state. Depth and ids stay the frame's instant's."""
        sensor = self.sensor
        target = sensor["rgb"]["auto_exposure_target"]
        metered = rgb_exposure(optics.apply(buffers, camera, sensor).rgb, target)
        rgb_time = shutter.max_exposure_s(sensor, self.preset.section("clip")["fps"]) * \
            rgb_exposure_share(*metered, target)
        blur = sensor["shutter"].get("motion_blur", False)
        windows = {"nir": shutter.nir_window(sensor), "rgb": shutter.rgb_window(sensor, rgb_time)}
        windows = {band: w if blur else replace(w, length_s=0.0) for band, w in windows.items()}
        rendered = {0.0: buffers}
        seen, count = {}, {}
        for band, window in windows.items():
            times = shutter.instants(window, self.image_motion_px(at, window.span_s), sensor)
            for dt in times:
                if float(dt) not in rendered:
                    instant = self.stager.pose(at(np.array([dt]))[0])
                    rendered[float(dt)] = distort.render(self.renderer, instant.view, instant.scene.stage, sampling_seed)
            seen[band] = shutter.integrate(window, times, [getattr(rendered[float(dt)], band) for dt in times])
            if band == "nir" and buffers.nir_illuminators is not None:
                seen["nir_illuminators"] = shutter.integrate(
                    window, times, [rendered[float(dt)].nir_illuminators for dt in times])
            count[band] = len(times)
        state = {"rgb_exposure_time_ms": rgb_time * 1e3, "rgb_line_time_us": float(sensor["shutter"].get(
            "rgb_line_time_us", 0.0)), "rgb_subframes": count["rgb"], "nir_subframes": count["nir"]}
        return replace(buffers, **seen), metered, state

    def image_motion_px(self, at, span_s: tuple[float, float]) -> float:
        """Longest path in the image of any vertex of the driver's head over a time
        span (probed at its ends and middle): how far the picture moves meanwhile."""
        if span_s[1] <= span_s[0]:
            return 0.0
        uv = []
        for params in at(np.array([span_s[0], sum(span_s) / 2, span_s[1]])):
            scene, _ = self.scene(params)
            rig = build_rig(params, scene.cabin, self.sensor)
            geometry = build_driver(params.identity, face_state(params, rig.gaze_target_head))
            head = np.concatenate([part.points for part in geometry.parts])
            uv.append(rig.camera.project(rig.camera.to_camera(head @ rig.R_vehicle_head.T + rig.t_vehicle_head)))
        return float(np.max(sum(np.linalg.norm(b - a, axis=1) for a, b in zip(uv, uv[1:]))))


def capture(buffers: Buffers, camera, sensor, pattern, seed: int, index: int, face_bbox_xyxy,
            timings: Timings | None = None, rgb_exposure: tuple[float, float] | None = None,
            nir_exposure: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """(NIR image, RGB image, sensor_state) of frame `index`: the rendered radiance
    through the lens (sensor/optics.py), then the sensors, whose noise is keyed by
    (seed, index). The RGB exposure is the auto-exposure's unless given; the NIR
    camera meters the face box through the lens and sets its exposure and its
    illuminators' drive (sensor/exposure.py), stepping from `nir_exposure` if given."""
    timings = timings or Timings()
    t = time.perf_counter()
    received = optics.apply(buffers, camera, sensor)
    t = timings.add("optics", t)
    shot, control = expose_nir(received.nir, received.nir_illuminators, face_bbox_xyxy, sensor, nir_exposure)
    nir = nir_image(lit_radiance(received.nir, received.nir_illuminators, shot.led_drive), sensor, pattern,
                    stream(seed, index, "sensor.nir_noise"), shot.exposure_us, shot.analog_gain)
    rgb, rgb_state = rgb_image(received.rgb, sensor, stream(seed, index, "sensor.rgb_noise"), exposure=rgb_exposure)
    timings.add("sensor", t)
    return nir, rgb, {"rgb": rgb_state, "nir": shot.to_dict(control)}


def environment_labels(params: FrameParams, light, world) -> dict[str, Any]:
    """What surrounds the vehicle and how it is lit (docs/labels.md)."""
    out = light.outdoors
    return {"setting": world.setting, "time_of_day": time_of_day(params.lighting.sun_elevation_deg),
            "road_lights": out.road_lights, "road_light_lux": out.road_lux,
            "outside_sun_lux": 0.0 if out.sheltered else out.sun_lux,
            "outside_sky_lux": 0.0 if out.sheltered else out.sky_lux,
            "vehicles": len(world.vehicles), "buildings": len(world.buildings), "trees": len(world.trees),
            "street_lamps": len(world.lamps)}


def dome_light_labels(dome, position: np.ndarray) -> dict[str, Any]:
    """State and output of the cabin's dome/map lamp (zeros when off)."""
    on = dome is not None
    return {"on": on, "kind": dome.kind if on else "none", "position_vehicle_m": position.tolist(),
            "luminous_flux_lm": dome.flux_lm if on else 0.0, "cct_k": dome.cct_k if on else 0.0,
            "luminous_intensity_cd": dome.intensity_cd if on else 0.0,
            "nir_radiant_intensity_w_sr": dome.nir_w_sr if on else 0.0}


def preset_digest(preset: Preset) -> str:
    return hashlib.sha256(json.dumps(preset.data, sort_keys=True).encode()).hexdigest()


def dataset_document(preset: Preset, seed: int, renderer=None) -> dict[str, Any]:
    image_format, quality = camera_format(preset.output)
    stored = "PNG" if quality is None else f"{IMAGE_FORMATS[image_format][0]} at quality {quality} (lossy)"
    return {
        "format": "cabin-synth",
        "identity": {"preset": preset.name, "preset_sha256": preset_digest(preset), "seed": seed,
                     "cabin_synth_version": __version__},
        "preset": preset.data,
        "sensor": preset.section("sensor"),
        "classes": [{"id": i, "name": name} for i, name in enumerate(CLASSES)],
        "landmarks": {"scheme": "ibug68+pupils", "names": list(LANDMARK_NAMES)},
        "software": software(renderer),
        "seeding": SEEDING,
        "images": {
            "rgb": f"8-bit sRGB {stored}, H x W x 3",
            "nir": f"{stored}, uint8 for 8-bit sensors, uint16 holding the sensor's DN for 10/12-bit (PNG only)",
            "depth": "uint16 PNG, millimetres, Z in the OpenCV camera frame, 0 = no surface",
            "seg": "uint8 PNG, class id (see classes)",
            "ids": "uint16 PNG, instance id (see each frame's instances), 0 = no surface",
        },
    }


def write_new_frame(maker: FrameMaker, writer: DatasetWriter, index: int, timings: Timings,
                    params: FrameParams | None = None, folder: str = "frames", at=None,
                    exposure: tuple[float, float] | None = None) -> dict[str, Any]:
    """Make, encode and write frame `index` into `folder`; its manifest entry.
    params, at and exposure: as FrameMaker.make takes them (clip frames)."""
    frame = maker.make(index, timings, params=params, at=at, exposure=exposure)
    return store(writer, maker.preset.output, index, frame, timings, folder)


def store(writer: DatasetWriter, output: Mapping[str, Any], index: int, frame: Frame, timings: Timings,
          folder: str = "frames") -> dict[str, Any]:
    """Encode frame `index` and commit it into `folder`; its manifest entry."""
    t = time.perf_counter()
    payloads = encode_frame(frame.images, output)
    t = timings.add("encode", t)
    entry = writer.write_frame(index, payloads, frame.labels, folder=folder)
    timings.add("write", t)
    return entry


class BackgroundWriter:
    """Encodes and writes each frame on a thread while the next one is made: PNG encoding,
    hashing and file writes release the GIL (the label check and the JSON do not), so they
    overlap the next frame's stages. At most
    one frame is in flight and frames commit in order (a frame's write starts after the
    previous one's ended); `done(entry)` runs on the caller's thread once a frame is on disk,
    and a failed write raises there, before the next frame is handed over. Leaving the
    `with` waits for the frame in flight, so no write outlives the run's lock."""

    def __init__(self, writer: DatasetWriter, output: Mapping[str, Any], timings: Timings,
                 done: Callable[[dict[str, Any]], None]):
        self.writer, self.output, self.timings, self.done = writer, output, timings, done
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="cabin-synth-writer")
        self._pending: Future | None = None

    def submit(self, index: int, frame: Frame) -> None:
        self.flush()
        self._pending = self._pool.submit(store, self.writer, self.output, index, frame, self.timings)

    def flush(self) -> None:
        """Wait for the frame in flight and report it."""
        pending, self._pending = self._pending, None
        if pending is not None:
            self.done(pending.result())

    def __enter__(self) -> "BackgroundWriter":
        return self

    def __exit__(self, kind, *_) -> None:
        try:
            if kind is None:
                self.flush()
        finally:
            # On an error the frame in flight still ends (committed whole or removed); its
            # own error gives way to the one raised.
            self._pool.shutdown(wait=True)


def frame_writer(preset: Preset, seed: int, out: Path, renderer=None) -> tuple[FrameMaker, DatasetWriter]:
    """What a process needs to write frames into `out`, a folder its run has already opened."""
    renderer = renderer or make_renderer(preset.data.get("render", {}))
    return FrameMaker(preset, seed, renderer, texture_dir=out / TEXTURES), DatasetWriter(out, None)


ENGINES = ("local", "ray")


def generate(preset: Preset, frames: int, seed: int, out: Path, progress: bool = True, shard: Shard = WHOLE,
             workers: int = 1, engine: str = "local", on_frame: Callable[[int, int], bool] | None = None
             ) -> dict[str, Any]:
    """Write the frames of `shard` of a `frames`-frame dataset of `preset` into `out`; skip frames
    already committed. A whole run ends with manifest.json, a shard with its part (dataset/shards.py).
    Stops cleanly on SIGINT/SIGTERM (engines/stop.py). on_frame(done, frames) after each frame
    (the Kit window's progress bar): False stops there, keeping what is committed in the manifest."""
    if frames > MAX_FRAMES:
        raise UserError(f"at most {MAX_FRAMES:,} frames per dataset, got {frames:,}; "
                        "make several datasets with different seeds", field="--frames")
    renderer = make_renderer(preset.data.get("render", {}))   # fails before anything is written
    try:
        return _generate(preset, frames, seed, Path(out), progress, shard, workers, engine, renderer, on_frame)
    finally:
        renderer.close()


def _generate(preset: Preset, frames: int, seed: int, out: Path, progress: bool, shard: Shard, workers: int,
              engine: str, renderer, on_frame) -> dict[str, Any]:
    from tqdm import tqdm

    writer = DatasetWriter(out, dataset_document(preset, seed, renderer))
    timings = Timings()
    started = time.perf_counter()
    with OutputLock(out, shard) as lock, StopRequest() as stop:
        remove_damaged(out / TEXTURES)
        owned = shard.frames(frames)
        entries = {i: writer.entry(i) for i in owned if writer.committed(i)}
        todo = [i for i in owned if i not in entries]
        bar = tqdm(total=len(owned), initial=len(entries), desc="generate" if shard == WHOLE else f"shard {shard}",
                   unit="frame", disable=not progress, smoothing=0.1)

        def done(entry: dict[str, Any], ms: dict[str, float] | None = None) -> None:
            entries[entry["index"]] = entry
            for stage, value in (ms or {}).items():
                timings.ms[stage].append(value)
            bar.update()
            lock.beat()
            if on_frame is not None and not on_frame(len(entries), len(owned)):
                stop.halt()

        with bar:
            if engine == "ray":
                from .engines import ray_cluster
                ray_cluster.run(preset, seed, out, todo, workers, stop, done)
            elif workers > 1 and len(todo) > 1:
                local.run(preset, seed, out, todo, workers, stop, done)
            else:
                maker = None
                with BackgroundWriter(writer, preset.output, timings, done) as background:
                    for index in todo:
                        if stop.requested:
                            break
                        maker = maker or frame_writer(preset, seed, out, renderer)[0]
                        background.submit(index, maker.make(index, timings))
        if stop.signum is not None:
            raise Interrupted(stop.signum, len(entries), len(owned))
        if shard == WHOLE:
            writer.write_manifest(list(entries.values()))
        else:
            write_part(out, shard, frames, entries.values())
    elapsed = time.perf_counter() - started
    return {"out": str(out), "frames": len(entries), "skipped": len(owned) - len(todo), "seconds": elapsed,
            "ms_per_stage": {k: float(np.mean(v)) for k, v in timings.ms.items()}}


def merge(out: Path, progress: bool = True) -> dict[str, Any]:
    """manifest.json of a sharded run from its parts, once every frame is there exactly once."""
    from tqdm import tqdm

    out = Path(out)
    if not (out / "dataset.json").is_file():
        raise UserError("not a cabin-synth dataset folder (no dataset.json)", file=str(out))
    running = holders(out)
    if running:
        path, holder = running[0]
        raise UserError(f"shard {holder.get('shard')} is still being written (pid {holder['pid']} on host "
                        f"{holder['host']}); merge when every shard has finished; nothing was written",
                        file=str(path))
    entries = merged_entries(out, lambda items: tqdm(items, desc="merge", unit="frame", disable=not progress))
    DatasetWriter(out, None).write_manifest(entries)
    return {"out": str(out), "frames": len(entries)}


def committed_clip(writer: DatasetWriter, clip: int, render: bool) -> dict[str, Any] | None:
    """The clip's clip.json when it serves this run as it is: every frame it lists
    is committed, and it was rendered if this run renders (a rendered clip also
    serves a labels-only run, which must not drop its frames). None otherwise."""
    folder = clip_folder(clip)
    path = writer.out / folder / "clip.json"
    try:
        document = json.loads(path.read_text())
        rendered = bool(document["rendered"])
        whole = all(file_matches(path.parent, entry) and writer.committed(entry["index"], folder)
                    for entry in document["frames"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if rendered and not render and not whole:
        raise UserError(f"clip {clip} was rendered and has damaged or missing frames; --labels-only would drop "
                        "them. Rerun without --labels-only to repair it; the clip was left as it is", file=str(path))
    return document if whole and (rendered or not render) else None


def clip_folder(clip: int) -> str:
    return f"clips/{clip:04d}"


def generate_clips(preset: Preset, clips: int, seed: int, out: Path, render: bool = True,
                   progress: bool = True, make=None, document: dict[str, Any] | None = None,
                   ray_cast: bool = False, relabel=None) -> dict[str, Any]:
    """Write `clips` clips of a clip preset into `out` (clips/NNNN/: frames, then clip.json last).
    `make(c)` makes clip c (default: the preset's clip c; compliance sets script theirs) and
    `document` is dataset.json (default: dataset_document(preset, seed)). Rendered clips,
    and labels-only clips with `ray_cast` (every frame staged, not rendered), get the
    per-frame monitoring labels (labels/monitorable.py); `relabel(labels)` then gives the
    clip's final labels (compliance sets: the ground truth that depends on them)."""
    from tqdm import tqdm

    from .behaviour.clips import make_clip
    from .dataset.writer import atomic_write, dump_json, sha256

    renderer = make_renderer(preset.data.get("render", {})) if render else None
    make = make or (lambda c: make_clip(preset, seed, c))
    relabel = relabel or (lambda labels: labels)
    writer = DatasetWriter(out, document or dataset_document(preset, seed, renderer))
    maker = None
    stager = None
    timings = Timings()
    frame_entries, clip_entries, skipped = [], [], 0
    started = time.perf_counter()
    for c in tqdm(range(clips), desc="clips", unit="clip", disable=not progress):
        folder = clip_folder(c)
        path = out / folder / "clip.json"
        document = committed_clip(writer, c, render)
        if document is not None:
            skipped += 1
        else:
            clip = make(c)
            listed, frame_docs = [], []
            if render:
                sensor = preset.section("sensor")
                exposure = None   # the camera's exposure loop runs on through the clip
                for k, params in enumerate(clip.params):
                    # Frames committed before an interrupted run are kept, as in frame mode;
                    # the loop picks up from the state their labels record.
                    if writer.committed(params.index, folder):
                        entry = writer.entry(params.index, folder)
                    else:
                        def at(dt, k=k, index=params.index):
                            return clip.params_at(k / clip.fps + dt, index, sensor)
                        maker = maker or FrameMaker(preset, seed, renderer, texture_dir=out / TEXTURES)
                        entry = write_new_frame(maker, writer, params.index, timings, params, folder, at, exposure)
                    frame_docs.append(json.loads((out / entry["path"]).read_text()))
                    state = frame_docs[-1]["sensor_state"]["nir"]
                    exposure = (state["exposure_index_log2_s"], state["metered_level"])
                    listed.append(dict(entry, path=entry["path"].rsplit("/", 1)[1]))
            elif ray_cast:
                stager = stager or FrameStager(preset, seed)   # no pixels: its textures need not stay
                frame_docs = [stager.stage(p.index, timings, p).labels for p in clip.params]
            labels = relabel(with_monitoring(clip.labels, frame_docs, clip.fps) if frame_docs else clip.labels)
            document = dict(labels, rendered=render, frames=listed)
            problems = schemas.errors("clip", document)
            if problems:
                raise AssertionError(f"clip {c} labels do not match schemas/clip.schema.json: " + "; ".join(problems))
            (out / folder).mkdir(parents=True, exist_ok=True)
            atomic_write(path, dump_json(document))
        frame_entries += [dict(e, path=f"{folder}/{e['path']}") for e in document["frames"]]
        data = path.read_bytes()
        clip_entries.append({"index": c, "path": f"{folder}/clip.json", "bytes": len(data), "sha256": sha256(data)})
    writer.write_manifest(frame_entries, clips=clip_entries)
    elapsed = time.perf_counter() - started
    return {"out": str(out), "clips": clips, "frames": len(frame_entries), "skipped": skipped, "seconds": elapsed,
            "ms_per_stage": {k: float(np.mean(v)) for k, v in timings.ms.items()}}
