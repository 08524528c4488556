"""Write a protocol's test set: per_cell clips of every supported cell, through
the ordinary clip writer (pipeline.generate_clips: its commit protocol, resume
and --labels-only), each clip scripted and labelled by compliance.scenario, its
ground truth made again once its frames' ray casts say when the camera cannot
monitor the eyes."""

from pathlib import Path
from typing import Any

from ..pipeline import dataset_document, generate_clips
from .matrix import set_size
from .protocol import Protocol
from .scenario import make_compliance_clip, stride, with_ground_truth


def set_document(protocol: Protocol, seed: int, per_cell: int) -> dict[str, Any]:
    """dataset.json of the set: the base preset's, with the protocol in its identity."""
    document = dataset_document(protocol.preset, seed)
    document["identity"]["compliance"] = {"protocol": protocol.name, "protocol_sha256": protocol.sha256,
                                          "per_cell": per_cell}
    document["compliance"] = {"protocol": protocol.name, "per_cell": per_cell,
                              "clips": set_size(protocol, per_cell), "stride_frames": stride(protocol),
                              "definition": dict(protocol.data)}
    return document


def generate_set(protocol: Protocol, per_cell: int, seed: int, out: Path, render: bool = True,
                 progress: bool = True, ray_cast: bool = False) -> dict[str, Any]:
    return generate_clips(protocol.preset, set_size(protocol, per_cell), seed, out, render=render,
                          progress=progress, make=lambda c: make_compliance_clip(protocol, seed, c),
                          document=set_document(protocol, seed, per_cell), ray_cast=ray_cast,
                          relabel=lambda labels: with_ground_truth(protocol, labels))
