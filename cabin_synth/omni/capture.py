"""RTX capture driven by our sampler: frame i staged by the CPU path's code
(parameters from (seed, i), the stage through the USD API, labels from
geometry), rendered once per band under scene.band_passes with
rep.orchestrator.step_async, written by CabinSynthWriter.

Written against omni.replicator.core 1.12.27 (Isaac Sim 5.1). Not executed by
the project: no Kit or RTX GPU on its machines (docs/omniverse.md).
"""

from pathlib import Path
from typing import Any, Callable

import omni.replicator.core as rep
import omni.usd

from ..dataset.writer import DatasetWriter
from ..export.rtx_frames import RtxFrames, rtx_preset
from ..pipeline import TEXTURES, FrameStager, dataset_document
from ..presets.preset import Preset
from ..presets.sampler import sample_frame
from ..scene.band_passes import BANDS, band_pass
from .writer import WRITER_NAME

CAMERA = "/World/Camera"


async def capture(preset: Preset, frames: int, seed: int, out: Path, *, rt_subframes: int, radiance_scale: float,
                  on_frame: Callable[[int, int], bool] | None = None) -> dict[str, Any]:
    """Frames 0..frames-1 of `preset` rendered by RTX into `out`, in our layout; frames
    already committed are kept. on_frame(done, frames) after each frame: False stops."""
    preset = rtx_preset(preset, rt_subframes, radiance_scale)
    sensor = preset.section("sensor")
    writer = DatasetWriter(out, dataset_document(preset, seed))
    session = RtxFrames(writer, preset, seed)
    stager = FrameStager(preset, seed, texture_dir=out / TEXTURES)
    params = {i: sample_frame(preset, seed, i) for i in range(frames) if not writer.committed(i)}
    # Each cabin variant has its own stage: its frames go together, so it is attached once.
    order = sorted(range(frames), key=lambda i: (params[i].cabin, params[i].drive, i) if i in params else ("", "", i))
    rep.orchestrator.set_capture_on_play(False)
    rtx_writer = rep.WriterRegistry.get(WRITER_NAME, init_params={"frames": session})
    attached, product, done = None, None, 0
    try:
        for index in order:
            if index not in params:
                session.keep(index)
            else:
                staged = stager.stage(index, params=params[index])
                if staged.stage is not attached:
                    if product is not None:
                        rtx_writer.detach()
                        product.destroy()
                    await omni.usd.get_context().attach_stage_async(staged.stage)
                    product = rep.create.render_product(CAMERA, (sensor["width"], sensor["height"]))
                    rtx_writer.attach([product])
                    attached = staged.stage
                for band in BANDS:
                    with band_pass(staged.stage, band, sensor["nir"]["wavelength_nm"]):
                        session.expect(staged, band)
                        await rep.orchestrator.step_async(rt_subframes=rt_subframes)
            done += 1
            if on_frame is not None and not on_frame(done, frames):
                break
        await rep.orchestrator.wait_until_complete_async()
    finally:
        if product is not None:
            rtx_writer.detach()
            product.destroy()
    writer.write_manifest(session.entries)
    return {"out": str(out), "frames": len(session.entries), "skipped": frames - len(params)}


async def preview(preset: Preset, seed: int, index: int, texture_dir: Path) -> FrameStager:
    """Stage frame `index` and show its stage in Kit's viewport (RTX draws it live).
    The stager is returned: it owns the stage the viewport shows."""
    stager = FrameStager(preset, seed, texture_dir=texture_dir)
    staged = stager.stage(index)
    await omni.usd.get_context().attach_stage_async(staged.stage)
    return stager
