"""Small frame makers and posed bodies for the body tests (no rendering unless asked)."""

from cabin_synth import presets
from cabin_synth.body.build import build_body
from cabin_synth.driver import build_driver
from cabin_synth.pipeline import FrameMaker, face_state
from cabin_synth.scene.materials import body_materials
from cabin_synth.scene.rig import build_rig


def small_maker(renderer, seed: int) -> FrameMaker:
    """The default preset at 160 x 120 (the same field of view), sharing a renderer."""
    p = presets.load("default")
    data = dict(p.data, sensor=dict(p.data["sensor"], width=160, height=120, pixel_pitch_um=24.0,
                                                     focal_length_mm=2.0))
    return FrameMaker(presets.Preset(p.name, p.path, data), seed=seed, renderer=renderer)


def posed(maker, prm):
    """Scene, rig, head and body of a frame, written into the stage, without rendering."""
    scene, _ = maker.scene(prm)
    rig = build_rig(prm, scene.cabin, maker.sensor)
    head = build_driver(prm.identity, face_state(prm, rig.gaze_target_head))
    body = build_body(prm.body, prm.accessories.phone, prm.identity.sex, prm.identity.stature_m, rig, head,
                      scene.body_anchors)
    scene.update_body(body, body_materials(prm.identity.skin_type, prm.body.clothing_colour),
                      prm.body.steering_wheel_deg)
    return scene, rig, head, body
