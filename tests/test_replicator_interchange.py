"""Replicator BasicWriter interchange: export and import give back the dataset, the
files are named and typed as BasicWriter (omni.replicator.core 1.12.27) writes them,
and an import reads a folder as Replicator would write it (its own instance colours,
distance_to_camera) by prim path and through the camera model."""

import copy
import json
import re
import shutil

import numpy as np
import pytest
import yaml
from PIL import Image

from cabin_synth import presets
from cabin_synth.cli import main
from cabin_synth.dataset.reader import open_dataset
from cabin_synth.export import basicwriter as bw
from cabin_synth.export.annotators import CAMERA_PARAMS_FIELDS
from cabin_synth.export.replicator import PRODUCTS, SIDECAR

NAME = re.compile(r"^(?P<product>\w+)/(?P<annotator>\w+)/(?P=annotator)(_(?P<kind>mapping|labels))?_(?P<id>\d{4})\.(png|npy|json)$")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A two-frame dataset at 160 x 120 (the default preset's field of view), its
    export and the import of that export."""
    root = tmp_path_factory.mktemp("replicator")
    data = copy.deepcopy(dict(presets.load("default").data))
    data["sensor"] = dict(data["sensor"], width=160, height=120, pixel_pitch_um=24.0)
    preset = root / "small.yaml"
    preset.write_text(yaml.safe_dump(data))
    d, e, i = root / "d", root / "e", root / "i"
    assert main(["generate", "--preset", str(preset), "--frames", "2", "--seed", "6", "--out", str(d), "--quiet"]) == 0
    assert main(["export", str(d), "--format", "replicator", "--out", str(e)]) == 0
    assert main(["import-replicator", str(e), "--out", str(i), "--quiet"]) == 0
    return d, e, i


def test_round_trip_gives_identical_labels_and_images(folders):
    d, _, i = folders
    assert main(["validate", str(i)]) == 0
    assert (d / "dataset.json").read_bytes() == (i / "dataset.json").read_bytes()
    original, imported = open_dataset(d), open_dataset(i)
    assert original.indices == imported.indices == (0, 1)
    for a, b in zip(original, imported):
        assert a.labels == b.labels
        for kind in a.images:
            assert a.images[kind].dtype == b.images[kind].dtype and np.array_equal(a.images[kind], b.images[kind])


def test_files_are_basicwriters(folders):
    d, e, _ = folders
    ds = open_dataset(d)
    files = sorted(str(p.relative_to(e)) for p in e.rglob("*") if p.is_file())
    assert {"metadata.txt", SIDECAR} <= set(files)
    named = [NAME.match(f) for f in files if "/" in f]
    assert all(named), [f for f in files if "/" in f and not NAME.match(f)]
    assert {m["product"] for m in named} == set(PRODUCTS.values())
    assert {m["id"] for m in named} == {"0000", "0001"}
    assert json.loads((e / "metadata.txt").read_text()) == {"name": "BasicWriter", "version": "0.0.2",
                                                            "replicator_global_seed:": 6}
    for frame_id, record in enumerate(ds):
        h, w = record.images["depth"].shape
        rgb = Image.open(e / bw.product_file(PRODUCTS["rgb"], "rgb", frame_id, "png"))
        assert rgb.mode == "RGBA" and np.array_equal(np.array(rgb)[..., :3], record.images["rgb"])
        assert (np.array(rgb)[..., 3] == 255).all()
        depth = np.load(e / bw.product_file(PRODUCTS["rgb"], "distance_to_image_plane", frame_id, "npy"))
        assert depth.dtype == np.float32 and depth.shape == (h, w)
        assert np.allclose(depth, record.images["depth"] / 1000.0, rtol=1e-7, atol=0)   # float32 of the mm
        nir = Image.open(e / bw.product_file(PRODUCTS["nir"], "rgb", frame_id, "png"))
        assert nir.mode == "L" and np.array_equal(np.array(nir), record.images["nir"])
        seg = np.array(Image.open(e / bw.product_file(PRODUCTS["rgb"], "instance_id_segmentation", frame_id, "png")))
        mapping = json.loads((e / bw.product_file(PRODUCTS["rgb"], "instance_id_segmentation", frame_id, "json",
                                                  kind="mapping")).read_text())
        prims = {inst["id"]: inst["prim"] for inst in record.labels["instances"]} | {0: "BACKGROUND"}
        for v, u in ((0, 0), (h // 2, w // 2), (h - 1, w // 3)):
            key = "(" + ", ".join(str(int(c)) for c in seg[v, u]) + ")"
            assert mapping[key] == prims[int(record.images["ids"][v, u])]
        params = json.loads((e / bw.product_file(PRODUCTS["rgb"], "camera_params", frame_id, "json")).read_text())
        assert set(params) == set(CAMERA_PARAMS_FIELDS)
        K = np.array(record.labels["camera"]["K"])
        P = np.array(params["cameraProjection"]).reshape(4, 4)
        # An OpenGL-style projection for row vectors: x_ndc = 2 fx / W x / (-z).
        assert np.isclose(P[0, 0], 2 * K[0, 0] / w, rtol=1e-6) and np.isclose(P[1, 1], 2 * K[1, 1] / h, rtol=1e-6)
        V = np.array(params["cameraViewTransform"]).reshape(4, 4)
        R, t = np.array(record.labels["camera"]["R_cam_vehicle"]), np.array(record.labels["camera"]["t_cam_vehicle"])
        point = np.array([0.3, -0.2, 1.1])
        usd = np.append(point, 1.0) @ V
        assert np.allclose(usd[:3] * [1, -1, -1], R @ point + t, atol=1e-6)   # USD cameras look down -Z, +Y up


def _as_replicator_writes_it(e, folder, labels_of):
    """The export rewritten as Replicator would render it: other instance colours in
    another order, Euclidean distance to the camera in place of Z, NIR as RGBA."""
    shutil.copytree(e, folder)
    for frame_id, labels in enumerate(labels_of):
        seg_path = folder / bw.product_file(PRODUCTS["rgb"], "instance_id_segmentation", frame_id, "png")
        map_path = folder / bw.product_file(PRODUCTS["rgb"], "instance_id_segmentation", frame_id, "json", kind="mapping")
        seg = np.array(Image.open(seg_path))
        mapping = json.loads(map_path.read_text())
        rng = np.random.default_rng(frame_id)
        new_seg, new_mapping = np.zeros_like(seg), {}
        for key, prim in mapping.items():
            old = np.array([int(c) for c in key.strip("()").split(",")], np.uint8)
            colour = (0, 0, 0, 0) if prim == "BACKGROUND" else tuple(int(c) for c in rng.integers(1, 255, 3)) + (255,)
            new_seg[(seg == old).all(axis=2)] = colour
            new_mapping[str(colour)] = prim
        Image.fromarray(new_seg, "RGBA").save(seg_path)
        map_path.write_text(json.dumps(dict(reversed(list(new_mapping.items())))))
        plane = folder / bw.product_file(PRODUCTS["rgb"], "distance_to_image_plane", frame_id, "npy")
        z = np.load(plane).astype(np.float64)
        plane.unlink()
        K = np.array(labels["camera"]["K"])
        v, u = np.mgrid[0:z.shape[0], 0:z.shape[1]]
        ray = np.sqrt(1 + ((u - K[0, 2]) / K[0, 0]) ** 2 + ((v - K[1, 2]) / K[1, 1]) ** 2)
        distance = folder / bw.product_file(PRODUCTS["rgb"], "distance_to_camera", frame_id, "npy")
        distance.parent.mkdir(exist_ok=True)
        np.save(distance, np.where(z > 0, z * ray, 0.0).astype(np.float32))
        nir_path = folder / bw.product_file(PRODUCTS["nir"], "rgb", frame_id, "png")
        grey = np.array(Image.open(nir_path))
        Image.fromarray(np.stack([grey, grey, grey, np.full_like(grey, 255)], axis=2), "RGBA").save(nir_path)


def test_import_reads_replicators_own_colours_and_distance_to_camera(folders, tmp_path):
    d, e, _ = folders
    original = open_dataset(d)
    changed = tmp_path / "rtx"
    _as_replicator_writes_it(e, changed, [r.labels for r in original.frames(kinds=())])
    assert main(["import-replicator", str(changed), "--out", str(tmp_path / "i"), "--quiet"]) == 0
    for a, b in zip(original, open_dataset(tmp_path / "i")):
        assert a.labels == b.labels
        for kind in a.images:
            assert np.array_equal(a.images[kind], b.images[kind]), kind


def test_import_refuses_what_it_cannot_trust(folders, tmp_path, capsys):
    d, e, _ = folders
    assert main(["import-replicator", str(d), "--out", str(tmp_path / "x")]) == 2
    assert SIDECAR in capsys.readouterr().err and not (tmp_path / "x").exists()
    bad = tmp_path / "bad"
    shutil.copytree(e, bad)
    params_path = bad / bw.product_file(PRODUCTS["rgb"], "camera_params", 1, "json")
    params = json.loads(params_path.read_text())
    params["cameraFocalLength"] *= 1.05
    params_path.write_text(json.dumps(params))
    assert main(["import-replicator", str(bad), "--out", str(tmp_path / "y"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "camera_params_0001.json" in err and "fx" in err and "Traceback" not in err
    # frame 0 was committed before frame 1 was refused; fixing the file and rerunning resumes
    assert (tmp_path / "y" / "frames" / "000000.json").is_file()
    shutil.copy(e / bw.product_file(PRODUCTS["rgb"], "camera_params", 1, "json"), params_path)
    assert main(["import-replicator", str(bad), "--out", str(tmp_path / "y"), "--quiet"]) == 0
    assert "1 frames (1 already there)" in capsys.readouterr().out
    # a sidecar whose preset is not the one its digest records
    sidecar = json.loads((bad / SIDECAR).read_text())
    sidecar["dataset"]["preset"]["camera"]["mount"] = "a_pillar"
    (bad / SIDECAR).write_text(json.dumps(sidecar))
    assert main(["import-replicator", str(bad), "--out", str(tmp_path / "z"), "--quiet"]) == 2
    assert "preset_sha256" in capsys.readouterr().err and not (tmp_path / "z").exists()


def test_export_never_overwrites_unasked(folders, tmp_path, capsys):
    d, _, _ = folders
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    for force in ([], ["--force"]):
        assert main(["export", str(d), "--format", "replicator", "--out", str(other)] + force) == 2
    assert [p.name for p in other.iterdir()] == ["keep.txt"]
    again = tmp_path / "again"
    assert main(["export", str(d), "--format", "replicator", "--out", str(again)]) == 0
    stale = again / PRODUCTS["rgb"] / "rgb" / "rgb_0007.png"
    sidecar = json.loads((again / SIDECAR).read_text())
    sidecar["frames"][0]["files"].append(str(stale.relative_to(again)))
    (again / SIDECAR).write_text(json.dumps(sidecar))
    stale.write_bytes(b"old")
    assert main(["export", str(d), "--format", "replicator", "--out", str(again)]) == 2
    assert main(["export", str(d), "--format", "replicator", "--out", str(again), "--force"]) == 0
    assert not stale.exists() and json.loads((again / SIDECAR).read_text())["frames"][1]["index"] == 1


def test_sixteen_bit_and_grey_images_keep_their_values(tmp_path):
    """io_functions.write_image's encodings: 2-D uint16 as I;16, 2-D uint8 as L."""
    for array in (np.array([[0, 1, 1023, 65535]], np.uint16), np.array([[0, 7, 255, 128]], np.uint8)):
        path = tmp_path / "x.png"
        path.write_bytes(bw.encode_image(array))
        back = bw.decode_image(path)
        assert back.dtype == array.dtype and np.array_equal(back, array)
