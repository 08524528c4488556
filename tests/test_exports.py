"""Reader and exports against the labels they were made from, and by hand-written geometry."""

import json

import numpy as np
import pytest
from pycocotools.coco import COCO

from cabin_synth.cli import main
from cabin_synth.dataset.reader import open_dataset


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "d"
    assert main(["generate", "--frames", "3", "--seed", "2", "--out", str(out), "--quiet"]) == 0
    return out


def test_reader_gives_labels_and_images(dataset_dir):
    ds = open_dataset(dataset_dir)
    assert len(ds) == 3 and ds.indices == (0, 1, 2)
    for record in ds:
        on_disk = json.loads((dataset_dir / "frames" / f"{record.index:06d}.json").read_text())
        assert record.labels == on_disk
        h, w = on_disk["camera"]["height"], on_disk["camera"]["width"]
        assert record.images["rgb"].shape == (h, w, 3) and record.images["depth"].dtype == np.uint16
        # depth holds the labels' Z in millimetres (typically; silhouette points may see past the edge)
        diffs = [abs(int(record.images["depth"][v, u]) - lm["camera_m"][2] * 1000)
                 for lm in on_disk["landmarks"] if lm["visible"] for u, v in [np.rint(lm["uv"]).astype(int)]]
        assert len(diffs) > 20 and np.median(diffs) <= 2


def test_coco_export_opens_with_pycocotools_and_matches_labels(dataset_dir, tmp_path):
    out = tmp_path / "coco.json"
    assert main(["export", str(dataset_dir), "--format", "coco", "--out", str(out), "--image", "nir"]) == 0
    coco = COCO(str(out))
    ds = open_dataset(dataset_dir)
    assert sorted(coco.getImgIds()) == list(ds.indices)
    names = coco.loadCats(coco.getCatIds())[0]["keypoints"]
    assert names == ds.landmark_names and len(names) == 70
    for position in range(len(ds)):
        labels = ds.labels(position)
        img = coco.loadImgs(labels["frame"])[0]
        assert (dataset_dir / img["file_name"]).is_file() and img["file_name"].endswith(".nir.png")
        (ann,) = coco.loadAnns(coco.getAnnIds(imgIds=labels["frame"]))
        kp = np.array(ann["keypoints"], float).reshape(-1, 3)
        for k, lm in enumerate(labels["landmarks"]):
            if lm["occluded_by"] == "out_of_frame":
                assert kp[k].tolist() == [0, 0, 0]
                continue
            # COCO's origin is the top-left pixel's corner, ours its centre.
            assert np.allclose(kp[k, :2], np.array(lm["uv"]) + 0.5)
            assert kp[k, 2] == (2 if lm["visible"] else 1)
        assert ann["num_keypoints"] == int(np.sum(kp[:, 2] > 0))
        u0, v0, u1, v1 = labels["face_bbox_xyxy"]
        assert np.allclose(ann["bbox"], [u0 + 0.5, v0 + 0.5, u1 - u0, v1 - v0])


def test_xgaze_normalisation(dataset_dir, tmp_path):
    out = tmp_path / "xg"
    assert main(["export", str(dataset_dir), "--format", "xgaze", "--out", str(out)]) == 0
    doc = json.loads((out / "labels.json").read_text())
    norm = doc["normalisation"]
    size, f_n, dist = norm["size_px"], norm["focal_px"], norm["distance_m"]
    ds = open_dataset(dataset_dir)
    for position, sample in enumerate(doc["samples"]):
        labels = ds.labels(position)
        K = np.array(labels["camera"]["K"])
        p = {lm["index"]: np.array(lm["camera_m"]) for lm in labels["landmarks"]}
        centre = 0.5 * (np.mean([p[i] for i in (36, 39, 42, 45)], axis=0) + np.mean([p[31], p[35]], axis=0))
        assert np.allclose(sample["face_centre_camera_m"], centre)
        R = np.array(sample["R_norm_cam"])
        assert np.allclose(R @ R.T, np.eye(3)) and np.isclose(np.linalg.det(R), 1)
        assert np.allclose(R @ centre, [0, 0, np.linalg.norm(centre)])  # looks at the face centre
        W = np.array(sample["homography"])

        def warp_pt(uv):
            q = W @ np.array([uv[0], uv[1], 1.0])
            return q[:2] / q[2]

        c = K @ centre
        assert np.allclose(warp_pt(c[:2] / c[2]), [(size - 1) / 2] * 2, atol=1e-6)
        # any 3D point: warped projection == projection by the virtual camera at the fixed distance
        K_n = np.array([[f_n, 0, (size - 1) / 2], [0, f_n, (size - 1) / 2], [0, 0, 1]])
        for k in (30, 68, 8):
            q = K_n @ (np.diag([1, 1, dist / np.linalg.norm(centre)]) @ R @ p[k])
            assert np.allclose(warp_pt(labels["landmarks"][k]["uv"]), q[:2] / q[2], atol=1e-6)
        # gaze: rotated by R only, from the face centre to the target (ETH-XGaze's definition)
        g = np.array(labels["gaze"]["target_camera_m"]) - centre
        g_n = R @ (g / np.linalg.norm(g))
        assert np.allclose(sample["gaze_normalised"], g_n)
        pitch, yaw = np.radians(sample["gaze_pitch_yaw_deg"])
        assert np.allclose([-np.cos(pitch) * np.sin(yaw), -np.sin(pitch), -np.cos(pitch) * np.cos(yaw)], g_n)
        assert np.allclose(sample["head_R_normalised"], R @ np.array(labels["head_pose"]["camera"]["R"]))
        # crop pixels are the source sampled through W^-1 (bilinear), checked at a few pixels
        crop = np.array(__import__("PIL.Image").Image.open(out / sample["image"])).astype(float)
        src = ds.image(labels, "rgb").astype(float)
        Winv = np.linalg.inv(W)
        for i, j in ((112, 112), (60, 150), (170, 80)):
            s = Winv @ np.array([j, i, 1.0])
            x, y = s[:2] / s[2]
            x0, y0 = int(np.floor(x)), int(np.floor(y))
            a, b = x - x0, y - y0
            expected = (src[y0, x0] * (1 - a) * (1 - b) + src[y0, x0 + 1] * a * (1 - b)
                        + src[y0 + 1, x0] * (1 - a) * b + src[y0 + 1, x0 + 1] * a * b)
            assert np.all(np.abs(crop[i, j] - expected) <= 0.5 + 1e-6)


def test_export_refuses_non_dataset_and_non_empty_out(dataset_dir, tmp_path, capsys):
    assert main(["export", str(tmp_path), "--format", "coco", "--out", str(tmp_path / "c.json")]) == 2
    assert "dataset.json" in capsys.readouterr().err
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x")
    assert main(["export", str(dataset_dir), "--format", "xgaze", "--out", str(busy)]) == 2
    assert "busy" in capsys.readouterr().err and (busy / "keep.txt").read_text() == "x"


def test_export_never_overwrites_unasked(dataset_dir, tmp_path, capsys):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    folder = tmp_path / "unrelated"
    folder.mkdir()
    (folder / "keep.txt").write_text("x")
    for fmt, out in (("coco", precious), ("coco", folder), ("xgaze", precious), ("xgaze", folder)):
        capsys.readouterr()
        assert main(["export", str(dataset_dir), "--format", fmt, "--out", str(out)]) == 2, (fmt, out)
        err = capsys.readouterr().err
        assert err.startswith("cabin-synth: error:") and out.name in err and "Traceback" not in err
    assert precious.read_text() == "keep me" and [p.name for p in folder.iterdir()] == ["keep.txt"]
    # --force overwrites the file the user names ...
    assert main(["export", str(dataset_dir), "--format", "coco", "--out", str(precious), "--force"]) == 0
    assert sorted(COCO(str(precious)).getImgIds()) == list(open_dataset(dataset_dir).indices)
    # ... and replaces an earlier xgaze export, but never a folder of something else
    assert main(["export", str(dataset_dir), "--format", "xgaze", "--out", str(folder), "--force"]) == 2
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    crops = tmp_path / "crops"
    assert main(["export", str(dataset_dir), "--format", "xgaze", "--out", str(crops)]) == 0
    earlier = json.loads((crops / "labels.json").read_text())
    earlier["samples"].append(dict(earlier["samples"][0], image="000099.png"))   # a crop the new export will not make
    (crops / "labels.json").write_text(json.dumps(earlier))
    (crops / "000099.png").write_bytes(b"old crop")
    assert main(["export", str(dataset_dir), "--format", "xgaze", "--out", str(crops), "--image", "nir"]) == 2
    assert main(["export", str(dataset_dir), "--format", "xgaze", "--out", str(crops), "--image", "nir", "--force"]) == 0
    doc = json.loads((crops / "labels.json").read_text())
    assert doc["normalisation"]["image_kind"] == "nir" and not (crops / "000099.png").exists()
    assert sorted(p.name for p in crops.iterdir()) == sorted([s["image"] for s in doc["samples"]] + ["labels.json"])


def _hide_pupils(labels_path, occluder):
    labels = json.loads(labels_path.read_text())
    for k in (68, 69):
        labels["landmarks"][k].update(visible=False, occluded_by=occluder)
    labels_path.write_text(json.dumps(labels))


def test_xgaze_leaves_out_faces_the_camera_does_not_show(dataset_dir, tmp_path, capsys):
    import shutil

    data = tmp_path / "d"
    shutil.copytree(dataset_dir, data)
    _hide_pupils(data / "frames/000001.json", "steering_wheel")    # both pupils behind the wheel: no gaze to learn
    _hide_pupils(data / "frames/000002.json", "self_occlusion")    # both eyes shut: still a face
    out = tmp_path / "xg"
    capsys.readouterr()
    assert main(["export", str(data), "--format", "xgaze", "--out", str(out)]) == 0
    assert "1 left out" in capsys.readouterr().out
    samples = json.loads((out / "labels.json").read_text())["samples"]
    assert [s["frame"] for s in samples] == [0, 2]
    for s in samples:
        marks = json.loads((data / f"frames/{s['frame']:06d}.json").read_text())["landmarks"]
        v = s["visibility"]
        assert v["landmarks_visible"] == len([m for m in marks if m["visible"]])
        assert v["pupils_occluded_by"] == [marks[68]["occluded_by"], marks[69]["occluded_by"]]
        assert set(v["occluders"]) == {m["occluded_by"] for m in marks} - {None, "self_occlusion", "out_of_frame"}
