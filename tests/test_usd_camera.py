"""The camera as USD defines it: what any renderer reading /World/Camera sees
(Gf.Camera, lens attributes in tenths of a stage unit) against our camera model."""

import math

import numpy as np
from pxr import Usd, UsdGeom

from cabin_synth.scene.stage import write_lens


def test_stage_camera_matches_the_camera_model(maker):
    frame = maker.make(0)   # the stage holds the last frame made
    stage = maker.scene(frame.params)[0].stage
    gf = UsdGeom.Camera(stage.GetPrimAtPath("/World/Camera")).GetCamera(Usd.TimeCode.Default())
    cam, sensor = frame.view.camera, maker.sensor
    metres = 0.1 * UsdGeom.GetStageMetersPerUnit(stage)   # Gf.Camera's lens unit
    pitch_m = sensor["pixel_pitch_um"] * 1e-6
    assert math.isclose(gf.focalLength * metres, sensor["focal_length_mm"] * 1e-3, rel_tol=1e-6)
    assert math.isclose(gf.horizontalAperture * metres, cam.width * pitch_m, rel_tol=1e-6)
    assert math.isclose(gf.verticalAperture * metres, cam.height * pitch_m, rel_tol=1e-6)
    # The field of view from the pixel grid: the outer pixel edges at +-W/2 px from the axis.
    hfov = 2 * math.degrees(math.atan(cam.width / 2 / cam.fx))
    vfov = 2 * math.degrees(math.atan(cam.height / 2 / cam.fy))
    assert math.isclose(gf.GetFieldOfView(gf.FOVHorizontal), hfov, rel_tol=1e-5)
    assert math.isclose(gf.GetFieldOfView(gf.FOVVertical), vfov, rel_tol=1e-5)
    # The default lens defocuses (sensor.optics.defocus): its f-number and focus distance.
    assert sensor["optics"]["defocus"]
    assert math.isclose(gf.fStop, sensor["f_number"], rel_tol=1e-6)
    assert math.isclose(gf.focusDistance * UsdGeom.GetStageMetersPerUnit(stage), sensor["focus_distance_m"], rel_tol=1e-6)
    # Its transform puts the camera where the model says, looking along its optical axis.
    M = np.asarray(gf.transform)
    assert np.allclose(M[3, :3], cam.position, atol=1e-6)
    assert np.allclose(-M[2, :3], cam.R_cam_vehicle[2], atol=1e-6)


def test_defocus_turns_on_the_lens_aperture(frames):
    stage = Usd.Stage.CreateInMemory()
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    camera = UsdGeom.Camera.Define(stage, "/Camera")
    sensor = {"pixel_pitch_um": 3.0, "f_number": 2.4, "focus_distance_m": 0.65, "optics": {"defocus": False}}
    write_lens(camera, frames[0].view.camera, sensor)
    assert camera.GetCamera(Usd.TimeCode.Default()).fStop == 0.0   # a pinhole: no depth of field
    write_lens(camera, frames[0].view.camera, dict(sensor, optics={"defocus": True}))
    gf = camera.GetCamera(Usd.TimeCode.Default())
    assert math.isclose(gf.fStop, 2.4, rel_tol=1e-6)
    assert math.isclose(gf.focusDistance, 0.65, rel_tol=1e-6)
    # The entrance pupil a path tracer opens: focal length / f-number, in metres.
    f_m = gf.focalLength * 0.1
    assert math.isclose(f_m / gf.fStop, frames[0].view.camera.fx * 3e-6 / 2.4, rel_tol=1e-6)
