"""The open mouth's inside: teeth, tongue, the cavity and its ambient occlusion (docs/driver.md, Mouth).

Checked by hand: closedness from the edges, sizes from the vertices, containment by
segment-triangle crossings, what the camera sees by ray casts (tests/rays.py), the
occlusion against cosine-weighted rays cast from inside the mouth.
"""

import numpy as np
import pytest

from cabin_synth.driver import mouth, teeth
from cabin_synth.driver.build import build_driver, reference_identity
from cabin_synth.driver.identity import sample_identity
from cabin_synth.driver.state import FaceState
from cabin_synth.scene.materials import driver_materials
from cabin_synth.scene.skin import MOUTH_PARTS, mouth_occlusion

from rays import hit_parameters

INSIDE = ("Mouth/UpperTeeth", "Mouth/LowerTeeth", "Mouth/Tongue")


def state(**expression):
    return FaceState(gaze_target_head=np.array([1.0, 0.0, 0.0]), eyelid_closure=np.zeros(2), pupil_diameter_mm=4.0,
                     expression=expression)


def parts(g):
    return {p.name: p for p in g.parts}


def crossings(p, tris):
    """Edges of mesh p that pass through any of the triangles (T,3,3) (those near p's box)."""
    e = np.concatenate([p.faces[:, [0, 1]], p.faces[:, [1, 2]], p.faces[:, [2, 0]]])
    a, b = p.points[e[:, 0]], p.points[e[:, 1]]
    lo, hi = p.points.min(axis=0) - 5e-3, p.points.max(axis=0) + 5e-3
    tris = tris[((tris.max(axis=1) > lo) & (tris.min(axis=1) < hi)).all(axis=1)]
    length = np.linalg.norm(b - a, axis=1)
    t = hit_parameters(a, (b - a) / length[:, None], tris)
    return int((t < length[:, None]).any(axis=1).sum())


@pytest.mark.parametrize("mesh", [teeth.upper_teeth, teeth.lower_teeth, teeth.tongue])
def test_inside_parts_are_closed_and_wound_outwards(mesh):
    m = mesh()
    e = np.concatenate([m.faces[:, [0, 1]], m.faces[:, [1, 2]], m.faces[:, [2, 0]]])
    directed = set(map(tuple, e))
    assert len(directed) == len(e) and all((b, a) in directed for a, b in directed)
    a, b, c = (m.points[m.faces[:, k]] for k in range(3))
    # each crown (or the tongue) on its own: positive volume, normals out
    per = len(m.points) // (10 if mesh is not teeth.tongue else 1)
    for k in range(len(m.points) // per):
        own = (m.faces // per == k).all(axis=1)
        assert np.einsum("ij,ij->i", a[own], np.cross(b[own], c[own])).sum() > 0


def test_crowns_have_wheeler_sizes():
    up = teeth.upper_teeth().points.reshape(10, -1, 3)
    central = up[5]   # left (+y) central incisor
    assert np.ptp(central[:, 1]) == pytest.approx(8.5, abs=0.4)                      # mesio-distal
    assert np.ptp(central[:, 2]) == pytest.approx(10.5 + teeth.ROOT_MM, abs=0.05)    # crown + cervical extension
    # contact on the midline (their lingual wedges, turned with the arch, meet within 1 mm)
    assert -1.0 < central[:, 1].min() < 0.3 and central[:, 1].mean() == pytest.approx(4.25, abs=0.6)
    # intercanine width at the cusp tips (the crowns' lowest points): about 35 mm (33-36)
    tips = [c[np.argmin(c[:, 2])] for c in (up[2], up[7])]
    assert 31.0 < tips[1][1] - tips[0][1] < 37.0
    lo = teeth.lower_teeth().points.reshape(10, -1, 3)
    assert lo[5][:, 2].max() == pytest.approx(teeth.UPPER_EDGE_Z + teeth.OVERBITE_MM, abs=0.05)
    assert np.ptp(lo[5][:, 1]) == pytest.approx(5.0, abs=0.4)


def identities():
    return [reference_identity(), sample_identity(np.random.default_rng(5), sex="female", age_years=25.0, skin_type=2)]


@pytest.mark.parametrize("expression", [{}, {"mouth_open": 0.3}, {"mouth_open": 0.7}, {"mouth_open": 1.0},
                                        {"smile": 1.0, "mouth_open": 0.5}, {"talk": 1.0}])
def test_teeth_and_tongue_stay_inside_the_lips_and_the_cavity(expression):
    for ident in identities():
        g = build_driver(ident, state(**expression))
        p = parts(g)
        # every point of the teeth and the tongue behind the mouth slit (the upper lip's
        # stomion row) at its own width
        n = mouth.mouth_template().n_cols
        slit = p["Mouth/UpperLip"].points.reshape(mouth.N_LIP_ROWS, n, 3)[mouth.MOUTH_ROW]
        for name in INSIDE:
            q = p[name].points
            assert np.all(q[:, 0] < np.interp(q[:, 1], slit[:, 1], slit[:, 0]) - 1e-3), name
            for other in ("Head", "Mouth/UpperLip", "Mouth/LowerLip", "Mouth/Cavity"):
                o = p[other]
                assert crossings(p[name], o.points[o.faces]) == 0, (name, other)


def first_owner(g, origin, targets):
    """The part first hit by rays from `origin` to each target point."""
    opaque = [p for p in g.parts if p.material != "cornea"]
    tris = np.concatenate([p.points[p.faces] for p in opaque])
    owner = np.concatenate([[p.name] * len(p.faces) for p in opaque])
    d = targets - origin
    t = hit_parameters(np.repeat(origin[None], len(targets), axis=0), d / np.linalg.norm(d, axis=1)[:, None], tris)
    return owner[np.argmin(t, axis=1)]


CAMERAS = (np.array([0.6, 0.0, -0.065]), np.array([0.55, -0.1, -0.25]))   # ahead; below and to the side (a DMS camera)


def test_closed_mouth_shows_no_teeth():
    g = build_driver(reference_identity(), state())
    p = parts(g)
    targets = np.concatenate([p[name].points[::7] for name in INSIDE])
    for cam in CAMERAS:
        seen = first_owner(g, cam, targets)
        assert not np.isin(seen, INSIDE).any()


def test_open_mouth_shows_the_upper_incisors_then_the_cavity():
    g = build_driver(reference_identity(), state(mouth_open=0.7))
    up = parts(g)["Mouth/UpperTeeth"].points.reshape(10, -1, 3)
    for crown in (up[0], up[5]):   # the central incisors' labial faces, near their edges
        labial = crown[crown[:, 0] > crown[:, 0].max() - 0.3e-3]
        target = labial.mean(axis=0)
        target[2] = labial[:, 2].min() + 0.7e-3   # within the 2 mm below the upper lip
        # a driver-monitoring camera looks up at the face from 10-20 degrees below (docs/cabins.md);
        # from level with the mouth the upper lip, 7 mm in front of the teeth, hides their edge
        for elevation, azimuth in ((-10.0, 0.0), (-15.0, 10.0)):
            e, a = np.radians(elevation), np.radians(azimuth)
            cam = target + 0.6 * np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)])
            assert first_owner(g, cam, target[None])[0] == "Mouth/UpperTeeth"


def test_occlusion_closed_mouth_is_total():
    occ = mouth_occlusion(build_driver(reference_identity(), state()))
    for name in MOUTH_PARTS:
        assert np.all(occ[name] > 0.999), name


def test_opening_occlusion_matches_cast_rays():
    """1 - occlusion is the share of cosine-weighted directions that leave the mouth between
    the lips: cast them from points deep in the cavity against the lips and the cavity."""
    g = build_driver(reference_identity(), state(mouth_open=0.7))
    p = parts(g)
    occ = mouth_occlusion(g)["Mouth/Cavity"]
    walls = np.concatenate([p[n].points[p[n].faces] for n in ("Mouth/UpperLip", "Mouth/LowerLip", "Mouth/Cavity")])
    cav = p["Mouth/Cavity"]
    loop = 2 * mouth.mouth_template().n_cols - 2
    rng = np.random.default_rng(3)
    picks = rng.choice(np.arange(3 * loop, 6 * loop), 8, replace=False)
    for v in picks:
        n = cav.normals[v]
        a = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
        a /= np.linalg.norm(a)
        b = np.cross(n, a)
        r, phi = np.sqrt(rng.random(600)), 2 * np.pi * rng.random(600)   # cosine-weighted (Malley)
        d = (r * np.cos(phi))[:, None] * a + (r * np.sin(phi))[:, None] * b + np.sqrt(1 - r * r)[:, None] * n
        origin = cav.points[v] + 0.2e-3 * n
        escaped = np.isinf(hit_parameters(np.repeat(origin[None], len(d), axis=0), d, walls).min(axis=1)).mean()
        assert escaped == pytest.approx(1.0 - occ[v], abs=0.05)


def test_inside_materials():
    m = driver_materials(3, (0.1, 0.05, 0.02), 0.0)
    enamel, tongue, lips = m["teeth"], m["tongue"], m["lips"]
    assert 0.55 < np.mean(enamel.albedo_rgb) < 0.72 and enamel.albedo_rgb[0] > enamel.albedo_rgb[2]   # a little yellow
    assert enamel.nir_850 > m["skin"].nir_850 and enamel.glossy
    assert tongue.albedo_rgb[0] > 1.5 * tongue.albedo_rgb[1]                                          # reddish
    assert abs(tongue.nir_850 - lips.nir_850) < 0.1


def test_open_mouth_renders_dark_inside(maker):
    """Seed 11's frame 86 (mouth_open 0.7, docs/realism.md): the cavity's pixels against the
    lips' (same material). In RGB only the sky reaches in (the sun's light is shadowed), so
    the ratio stays within twice the cavity's mean share of the sky seen through the opening
    (1 - occlusion, about 0.08; twice: the lips are not fully lit by the sky either). In the
    NIR the camera's illuminator beside the lens lights what the camera sees of the inside
    directly: the cavity is only darker than the lips, as it was not before (0.94)."""
    frame = maker.make(86)
    assert frame.params.expression["mouth_open"] == pytest.approx(0.7, abs=0.05)
    names = [inst.prim for inst in frame.view.instances]
    ids = lambda suffix: [k + 1 for k, n in enumerate(names) if n.endswith(suffix)]
    cavity = np.isin(frame.buffers.instance, ids("Mouth/Cavity"))
    lips = np.isin(frame.buffers.instance, ids("Mouth/UpperLip") + ids("Mouth/LowerLip"))
    assert cavity.sum() > 200 and lips.sum() > 200
    sky_share = 1.0 - mouth_occlusion(frame.geometry)["Mouth/Cavity"].mean()
    rgb = frame.buffers.rgb.mean(axis=-1)
    assert rgb[cavity].mean() < 2.0 * sky_share * rgb[lips].mean()
    assert frame.buffers.nir[cavity].mean() < 0.85 * frame.buffers.nir[lips].mean()
