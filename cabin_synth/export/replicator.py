"""Replicator-format interchange: our dataset <-> Replicator BasicWriter's layout.

`export_replicator` writes a frame dataset as BasicWriter writes two render
products (cabin_synth.export.basicwriter): PRODUCTS["rgb"] with rgb,
distance_to_image_plane, instance_id_segmentation, semantic_segmentation and
camera_params, PRODUCTS["nir"] with the NIR image as its rgb, plus metadata.txt
and SIDECAR, our per-frame parameters: the dataset document (preset, seed,
version) and for each BasicWriter frame id our frame index and what the sensor
model chose (sensor_state, which a display image cannot tell).

`import_replicator` turns such a folder (written by the export, or by
BasicWriter from a render of our stage, with the sidecar beside it) into our
dataset: every frame is staged again from (preset, seed, index) and its labels
made from geometry; only pixels come from the folder, instance ids matched to
our instances by prim path, depth from distance_to_image_plane or, failing
that, distance_to_camera through our camera model. A frame already committed
in --out is kept, so an interrupted import resumes.
"""

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..dataset import schemas
from ..dataset.reader import Dataset
from ..dataset.writer import DatasetWriter, atomic_write, encode_frame
from ..errors import UserError
from ..labels.semantics import CLASSES
from ..pipeline import TEXTURES, FrameStager, class_image, depth_mm, preset_digest
from ..presets.preset import Preset
from ..render.view import SceneView
from ..scene.camera import Camera
from . import basicwriter as bw
from .annotators import camera_params, camera_problems, depth_from_distance, instance_ids
from .folders import prepare_folder

PRODUCTS = {"rgb": "RgbCamera", "nir": "NirCamera"}
SIDECAR = "cabin_synth.json"
FORMAT = "cabin-synth frames in Replicator BasicWriter layout"
INSTANCES = "instance_id_segmentation"


def earlier_export(out: Path) -> list[str] | None:
    """The files of an earlier replicator export in `out`, or None."""
    try:
        sidecar = json.loads((out / SIDECAR).read_text())
        if sidecar.get("format") != FORMAT:
            return None
        return [name for frame in sidecar["frames"] for name in frame["files"]] + ["metadata.txt", SIDECAR]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def frame_files(frame_id: int, labels: dict[str, Any], images: dict[str, np.ndarray],
                sensor: dict[str, Any]) -> dict[str, bytes]:
    """One frame as BasicWriter's files: relative path -> bytes."""
    rgb, nir = PRODUCTS["rgb"], PRODUCTS["nir"]
    h, w = images["ids"].shape
    rgba = np.concatenate([images["rgb"], np.full((h, w, 1), 255, np.uint8)], axis=2)
    ids = images["ids"].astype(np.int64)
    colours = bw.palette(len(labels["instances"]) + 1)
    seg_colours = bw.palette(len(CLASSES))
    present = set(np.unique(images["seg"]).tolist())
    return {
        bw.product_file(rgb, "rgb", frame_id, "png"): bw.encode_image(rgba),
        bw.product_file(rgb, "distance_to_image_plane", frame_id, "npy"):
            bw.encode_npy((images["depth"].astype(np.float64) / 1000.0).astype(np.float32)),
        bw.product_file(rgb, INSTANCES, frame_id, "png"): bw.encode_image(colours[ids]),
        bw.product_file(rgb, INSTANCES, frame_id, "json", kind="mapping"): bw.encode_json(
            {bw.colour_key(colours[0]): bw.BACKGROUND}
            | {bw.colour_key(colours[inst["id"]]): inst["prim"] for inst in labels["instances"]}),
        bw.product_file(rgb, "semantic_segmentation", frame_id, "png"): bw.encode_image(seg_colours[images["seg"]]),
        bw.product_file(rgb, "semantic_segmentation", frame_id, "json", kind="labels"): bw.encode_json(
            {bw.colour_key(seg_colours[c]): {"class": bw.BACKGROUND if c == 0 else CLASSES[c]} for c in sorted(present)}),
        bw.product_file(rgb, "camera_params", frame_id, "json"):
            bw.encode_json(camera_params(Camera.from_dict(labels["camera"]), sensor)),
        bw.product_file(nir, "rgb", frame_id, "png"): bw.encode_image(images["nir"]),
    }


def export_replicator(dataset: Dataset, out: Path, force: bool = False) -> dict[str, Any]:
    """Write the dataset's frames into `out` in BasicWriter's layout (new or empty;
    force: or an earlier replicator export there, which is replaced)."""
    out = Path(out)
    if "clip" in dataset.info["preset"]:
        raise UserError("is a clip dataset; the Replicator layout holds frames without clips. Export a frame "
                        "preset's dataset; nothing was written", file=str(dataset.root / "dataset.json"))
    if dataset.info["sensor"].get("distortion", {}).get("model", "none") != "none":
        raise UserError("has lens distortion, which camera_params cannot carry as our camera model applies it "
                        "(a pinhole record would be wrong); nothing was written",
                        file=str(dataset.root / "dataset.json"), field="sensor.distortion")
    prepare_folder(out, force, "replicator", SIDECAR, earlier_export)
    frames = []
    for frame_id in range(len(dataset)):
        labels = dataset.labels(frame_id)
        images = {kind: dataset.image(labels, kind) for kind in ("rgb", "nir", "depth", "seg", "ids")}
        files = frame_files(frame_id, labels, images, dataset.info["sensor"])
        for name, data in files.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            atomic_write(out / name, data)
        frames.append({"frame_id": frame_id, "index": labels["frame"], "sensor_state": labels["sensor_state"],
                       "files": sorted(files)})
    atomic_write(out / "metadata.txt",
                 bw.encode_json(bw.metadata("BasicWriter", bw.BASICWRITER_VERSION, dataset.info["identity"]["seed"])))
    atomic_write(out / SIDECAR, (json.dumps({
        "format": FORMAT, "layout": f"{bw.REPLICATOR_VERSION} BasicWriter {bw.BASICWRITER_VERSION}",
        "products": PRODUCTS, "dataset": dataset.info, "frames": frames}, indent=1) + "\n").encode())
    return {"out": str(out), "images": len(frames)}


def _read_sidecar(src: Path) -> dict[str, Any]:
    path = src / SIDECAR
    try:
        sidecar = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"not found; expected a folder in Replicator BasicWriter's layout with our per-frame "
                        f"parameters in {SIDECAR} (cabin-synth export --format replicator writes both)",
                        file=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot read JSON ({exc})", file=str(path)) from None
    if not isinstance(sidecar, dict) or sidecar.get("format") != FORMAT:
        raise UserError(f"is not a cabin-synth sidecar: expected 'format': {FORMAT!r}", file=str(path), field="format")
    for key in ("dataset", "frames", "products"):
        if key not in sidecar:
            raise UserError(f"has no '{key}'", file=str(path), field=key)
    problems = schemas.errors("dataset", sidecar["dataset"])
    if problems:
        raise UserError("its dataset document is not valid: " + "; ".join(problems), file=str(path), field="dataset")
    identity = sidecar["dataset"]["identity"]
    if identity["cabin_synth_version"] != __version__:
        raise UserError(f"was made by cabin-synth {identity['cabin_synth_version']}, this is {__version__}: the "
                        "labels made again here could differ. Import with that version", file=str(path),
                        field="dataset.identity.cabin_synth_version")
    for k, frame in enumerate(sidecar["frames"]):
        if not (isinstance(frame, dict) and {"frame_id", "index", "sensor_state"} <= set(frame)):
            raise UserError("expected {frame_id, index, sensor_state}", file=str(path), field=f"frames[{k}]")
    return sidecar


def _preset(sidecar: dict[str, Any], src: Path) -> Preset:
    """The preset the dataset was made with, as dataset.json records it: its digest
    must be the recorded one (it may hold sections, such as an RTX capture's
    `render`, that only the run that made it adds)."""
    document = sidecar["dataset"]
    data = document["preset"]
    preset = Preset(name=data.get("name", "?"), path=src / SIDECAR, data=data)
    if preset_digest(preset) != document["identity"]["preset_sha256"]:
        raise UserError("its preset does not match the recorded preset_sha256", file=str(src / SIDECAR),
                        field="dataset.preset")
    return preset


def _file(src: Path, name: str) -> Path:
    path = src / name
    if not path.is_file():
        raise UserError("not found; a frame the sidecar lists needs it", file=str(path))
    return path


def _image(path: Path, shapes: tuple[tuple[int, ...], ...], dtypes: tuple[type, ...]) -> np.ndarray:
    try:
        image = bw.decode_image(path)
    except OSError as exc:
        raise UserError(f"cannot read the image ({exc})", file=str(path)) from None
    if image.shape not in shapes or image.dtype.type not in dtypes:
        raise UserError(f"is {image.dtype} {image.shape}, expected one of {[s for s in shapes]} of "
                        f"{[d.__name__ for d in dtypes]}", file=str(path))
    return image


def frame_images(src: Path, products: dict[str, str], frame_id: int, view: SceneView,
                 sensor: dict[str, Any]) -> dict[str, np.ndarray]:
    """Our stored images of one BasicWriter frame of a staged view (its camera and instances)."""
    rgb, nir = products["rgb"], products["nir"]
    cam = view.camera
    h, w = cam.height, cam.width
    params_path = src / bw.product_file(rgb, "camera_params", frame_id, "json")
    if params_path.is_file():
        problems = camera_problems(json.loads(params_path.read_text()), cam)
        if problems:
            raise UserError("disagrees with the frame's camera: " + "; ".join(problems), file=str(params_path))
    colour = _image(_file(src, bw.product_file(rgb, "rgb", frame_id, "png")), ((h, w, 4), (h, w, 3)), (np.uint8,))
    nir_dtype = np.uint16 if sensor["nir"]["bit_depth"] > 8 else np.uint8
    grey = _image(_file(src, bw.product_file(nir, "rgb", frame_id, "png")), ((h, w), (h, w, 4), (h, w, 3)), (nir_dtype,))
    if grey.ndim == 3:   # an RGB(A) render of grey materials: its channels are equal
        grey = np.rint(grey[..., :3].mean(axis=2)).astype(nir_dtype)
    plane = src / bw.product_file(rgb, "distance_to_image_plane", frame_id, "npy")
    distance = plane if plane.is_file() else _file(src, bw.product_file(rgb, "distance_to_camera", frame_id, "npy"))
    try:
        values = bw.decode_npy(distance)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the array ({exc})", file=str(distance)) from None
    if values.shape != (h, w):
        raise UserError(f"is {values.shape}, expected ({h}, {w})", file=str(distance))
    z = np.where(np.isfinite(values), values, 0.0) if distance == plane else depth_from_distance(values, cam)
    seg_path = _file(src, bw.product_file(rgb, INSTANCES, frame_id, "png"))
    mapping_path = _file(src, bw.product_file(rgb, INSTANCES, frame_id, "json", kind="mapping"))
    try:
        index, prims = bw.colours_to_labels(_image(seg_path, ((h, w, 4),), (np.uint8,)),
                                            json.loads(mapping_path.read_text()))
        ids = instance_ids(index, prims, view.instances)
    except KeyError as exc:
        raise UserError(f"{exc.args[0]} is in the image but matches no colour of {mapping_path.name} or no prim "
                        "of the frame's stage", file=str(seg_path)) from None
    except (ValueError, json.JSONDecodeError) as exc:
        raise UserError(f"is not a colour -> prim path mapping ({exc})", file=str(mapping_path)) from None
    return {"rgb": colour[..., :3].copy(), "nir": grey, "depth": depth_mm(z), "seg": class_image(view, ids),
            "ids": ids.astype(np.uint16)}


def import_replicator(src: Path, out: Path, progress: bool = True) -> dict[str, Any]:
    """Our dataset in `out` from a BasicWriter folder `src` and its sidecar."""
    from tqdm import tqdm

    src, out = Path(src), Path(out)
    sidecar = _read_sidecar(src)
    preset = _preset(sidecar, src)
    document = sidecar["dataset"]
    writer = DatasetWriter(out, document)
    stager = None
    entries, skipped = [], 0
    started = time.perf_counter()
    for frame in tqdm(sidecar["frames"], desc="import", unit="frame", disable=not progress):
        index = int(frame["index"])
        if writer.committed(index):
            entries.append(writer.entry(index))
            skipped += 1
            continue
        stager = stager or FrameStager(preset, document["identity"]["seed"], texture_dir=out / TEXTURES)
        staged = stager.stage(index)
        images = frame_images(src, sidecar["products"], int(frame["frame_id"]), staged.view, document["sensor"])
        labels = dict(staged.labels, sensor_state=frame["sensor_state"])
        wrong = [p for p in schemas.errors("frame", labels) if p.startswith("'sensor_state")]
        if wrong:
            raise UserError("; ".join(wrong), file=str(src / SIDECAR), field=f"frames[frame_id {frame['frame_id']}].sensor_state")
        entries.append(writer.write_frame(index, encode_frame(images, preset.output), labels))
    writer.write_manifest(entries)
    return {"out": str(out), "frames": len(entries), "skipped": skipped, "seconds": time.perf_counter() - started}
