"""The Replicator writer: annotator data of each RTX pass to our dataset.

A Writer subclass registered with Replicator's WriterRegistry (omni.replicator.core
1.12.27: WriterRegistry.get(name, init_params) builds it with __init__(**init_params)
and calls write(data) once per captured step). With data_structure "annotator",
data["annotators"][name][render product] holds each annotator's outputs; the
writer hands one render product's to the capture's RtxFrames (cabin_synth.export.
rtx_frames), which checks camera_params against our camera model and commits the
frame through our sensor models and DatasetWriter.
"""

import omni.replicator.core as rep

from .. import __version__
from ..export.rtx_frames import ANNOTATORS, RtxFrames

WRITER_NAME = "CabinSynthWriter"
# Our ids are per mesh (render/view.py), as instance_id_segmentation's are; raw ids,
# not colours, with their prim paths in idToLabels.
INIT_PARAMS = {"instance_id_segmentation_fast": {"colorize": False}}


class CabinSynthWriter(rep.Writer):
    def __init__(self, frames: RtxFrames):
        self.frames = frames
        self.version = __version__
        self.data_structure = "annotator"
        self.annotators = [rep.AnnotatorRegistry.get_annotator(name, init_params=INIT_PARAMS.get(name))
                           for name in ANNOTATORS]

    def write(self, data: dict) -> None:
        self.frames.receive({name: next(iter(per_product.values()))
                             for name, per_product in data["annotators"].items()})

    def write_metadata(self) -> None:
        """Replicator's metadata.txt is not written: dataset.json says what made the data."""


def register() -> None:
    rep.WriterRegistry.register(CabinSynthWriter)


def unregister() -> None:
    rep.WriterRegistry.unregister(WRITER_NAME)
