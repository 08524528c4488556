"""The extension inside Kit: startup and shutdown, one preview frame, and a frame
the writer commits checked against our schemas."""

import tempfile
from pathlib import Path

import omni.kit.app
import omni.kit.test
import omni.replicator.core as rep
import omni.ui as ui
import omni.usd

from cabin_synth import presets
from cabin_synth.dataset.validate import validate_dataset
from cabin_synth.omni.capture import capture, preview
from cabin_synth.omni.writer import WRITER_NAME

EXTENSION = "cabin_synth"


class TestCabinSynthExtension(omni.kit.test.AsyncTestCase):
    async def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.out = Path(self._tmp.name)

    async def tearDown(self):
        self._tmp.cleanup()

    async def test_startup_and_shutdown(self):
        manager = omni.kit.app.get_app().get_extension_manager()
        self.assertIsNotNone(ui.Workspace.get_window("cabin-synth"))
        self.assertIn(WRITER_NAME, rep.WriterRegistry.get_writers())
        manager.set_extension_enabled_immediate(EXTENSION, False)
        await omni.kit.app.get_app().next_update_async()
        self.assertIsNone(ui.Workspace.get_window("cabin-synth"))
        self.assertNotIn(WRITER_NAME, rep.WriterRegistry.get_writers())
        manager.set_extension_enabled_immediate(EXTENSION, True)
        await omni.kit.app.get_app().next_update_async()
        self.assertIsNotNone(ui.Workspace.get_window("cabin-synth"))

    async def test_preview_shows_the_frame_stage(self):
        stager = await preview(presets.load("default"), 0, 0, self.out / "textures")
        stage = omni.usd.get_context().get_stage()
        self.assertTrue(stage.GetPrimAtPath("/World/Camera").IsValid())
        self.assertTrue(stage.GetPrimAtPath("/World/Driver").IsValid())
        self.assertIsNotNone(stager)

    async def test_rtx_frame_meets_the_schemas(self):
        preset = presets.load("default")
        summary = await capture(preset, 1, 0, self.out / "d", rt_subframes=4, radiance_scale=1.0)
        self.assertEqual(summary["frames"], 1)
        self.assertEqual(validate_dataset(self.out / "d"), [])
