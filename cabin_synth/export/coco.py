"""Export a dataset to COCO keypoints JSON (one 'face' category, 70 keypoints).

Conventions (docs/labels.md, "COCO"): COCO coordinates put the origin at the
top-left corner of the top-left pixel, ours at its centre, so x = u + 0.5,
y = v + 0.5. Visibility flags: 2 = visible, 1 = inside the image but hidden
(self-occlusion or an occluder), 0 = outside the image (x = y = 0, as COCO
requires for unlabelled points). The bbox is our face box, [x, y, w, h].
Frames of a clip dataset carry their clip and time in their image entry.
"""

import json
from pathlib import Path
from typing import Any

from ..dataset.reader import Dataset
from ..dataset.writer import atomic_write
from ..errors import UserError

CATEGORY_ID = 1


def keypoint(landmark: dict[str, Any]) -> list[float]:
    """[x, y, flag] of one landmark label in COCO conventions."""
    if landmark["occluded_by"] == "out_of_frame":
        return [0.0, 0.0, 0]
    u, v = landmark["uv"]
    return [u + 0.5, v + 0.5, 2 if landmark["visible"] else 1]


def coco_document(dataset: Dataset, image_kind: str = "rgb") -> dict[str, Any]:
    images, annotations = [], []
    for position in range(len(dataset)):
        labels = dataset.labels(position)
        image_id = labels["frame"]
        clip = dataset.clip(position)
        images.append({"id": image_id, "file_name": str(dataset.image_path(labels, image_kind).relative_to(dataset.root)),
                       "width": labels["camera"]["width"], "height": labels["camera"]["height"],
                       **({"clip": clip.clip, "time_s": clip.time_s} if clip else {})})
        points = [keypoint(lm) for lm in labels["landmarks"]]
        u0, v0, u1, v1 = labels["face_bbox_xyxy"]
        w, h = u1 - u0, v1 - v0
        annotations.append({
            "id": image_id + 1, "image_id": image_id, "category_id": CATEGORY_ID, "iscrowd": 0,
            "keypoints": [c for p in points for c in p],
            "num_keypoints": sum(1 for p in points if p[2] > 0),
            "bbox": [u0 + 0.5, v0 + 0.5, w, h], "area": w * h,
        })
    return {
        "info": {"description": f"cabin-synth dataset {dataset.root.name}, {image_kind} images",
                 "version": str(dataset.info["identity"]["cabin_synth_version"])},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": CATEGORY_ID, "name": "face", "supercategory": "person",
                        "keypoints": dataset.landmark_names, "skeleton": []}],
    }


def export_coco(dataset: Dataset, out: Path, image_kind: str = "rgb", force: bool = False) -> dict[str, Any]:
    """Write the COCO JSON to `out` (a file); file_name entries are relative to the
    dataset folder. An existing file is replaced only when `force` is set."""
    out = Path(out)
    if out.is_dir():
        raise UserError("is a folder; expected the path of the JSON file to write", file=str(out))
    if out.exists() and not force:
        raise UserError("exists; nothing was written. Choose a new file name, or give --force to overwrite it",
                        file=str(out))
    document = coco_document(dataset, image_kind)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the folder {out.parent} ({exc.strerror})", file=str(out)) from None
    atomic_write(out, json.dumps(document).encode())
    return {"out": str(out), "images": len(document["images"])}
