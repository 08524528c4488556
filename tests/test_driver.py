"""Tests of the parametric driver (cabin_synth.driver).

The checks recompute what they test independently of the implementation:
point-to-triangle distances, ray casts, plane slices of the lid meshes and
sphere tests for the cornea are written out here from the returned meshes.
"""

import json

import numpy as np
import pytest
from rays import ray_hits
from scipy.spatial import cKDTree

from cabin_synth.driver import (
    EXPRESSIONS,
    LANDMARK_NAMES,
    SHAPE_PARAMS,
    DriverGeometry,
    FaceState,
    Identity,
    build_driver,
    dimensions,
    reference_identity,
    sample_identity,
)
from cabin_synth.driver.hair import CAP_MM, FACIAL_HAIR, HAIR_STYLES, THICKNESS_MM
from cabin_synth.labels.semantics import CLASSES
from cabin_synth.scene.materials import driver_materials

MATERIALS = set(driver_materials(1, (0.1, 0.1, 0.1), 1.0))   # every part must name a material the scene gets
CORNEA_R = 7.8e-3
AHEAD = np.array([0.8, 0.0, 0.0])


# ------------------------------------------------------------------ helpers
def state(target=AHEAD, closure=0.0, pupil=4.0, **expression):
    return FaceState(gaze_target_head=np.asarray(target, float), eyelid_closure=np.full(2, closure),
                     pupil_diameter_mm=pupil, expression=expression)


def identity(seed=0, **shape):
    base = sample_identity(np.random.default_rng(seed), sex="male", age_years=40.0, skin_type=3)
    if not shape:
        return base
    d = base.to_dict()
    d["shape"] = {**d["shape"], **shape}
    return Identity.from_dict(d)


def neutral(**shape):
    """An identity with every shape z-score at 0 except the given ones."""
    d = identity().to_dict()
    d["shape"] = {k: 0.0 for k in SHAPE_PARAMS}
    d["shape"].update(shape)
    d["ipd_m"] = 0.064
    return Identity.from_dict(d)


def part(geom: DriverGeometry, name: str):
    for p in geom.parts:
        if p.name == name:
            return p
    raise KeyError(name)


def point_triangle_distance(p, tri):
    """Distance from point p to each triangle (T,3,3): minimum over the plane
    projection (if inside) and the three edges."""
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    n = np.cross(b - a, c - a)
    nn = np.linalg.norm(n, axis=1)
    ok = nn > 1e-18
    n_u = n / np.where(ok, nn, 1.0)[:, None]
    dist_plane = np.einsum("tj,tj->t", p - a, n_u)
    q = p - dist_plane[:, None] * n_u
    inside = ok.copy()
    for u, v in ((a, b), (b, c), (c, a)):
        inside &= np.einsum("tj,tj->t", np.cross(v - u, q - u), n) >= 0
    best = np.where(inside, np.abs(dist_plane), np.inf)
    for u, v in ((a, b), (b, c), (c, a)):
        e = v - u
        t = np.clip(np.einsum("tj,tj->t", p - u, e) / np.maximum(np.einsum("tj,tj->t", e, e), 1e-30), 0, 1)
        best = np.minimum(best, np.linalg.norm(p - (u + t[:, None] * e), axis=1))
    return best


def slice_z(points, faces, y0):
    """z values where the mesh's edges cross the plane y = y0."""
    zs = []
    for i, j in ((0, 1), (1, 2), (2, 0)):
        a, b = points[faces[:, i]], points[faces[:, j]]
        da, db = a[:, 1] - y0, b[:, 1] - y0
        m = (da * db <= 0) & (da != db)
        t = da[m] / (da[m] - db[m])
        zs.append(a[m, 2] + t * (b[m, 2] - a[m, 2]))
    return np.concatenate(zs)


def signed_volume(points, faces):
    c = points.mean(axis=0)
    a, b, d = points[faces[:, 0]] - c, points[faces[:, 1]] - c, points[faces[:, 2]] - c
    return np.einsum("tj,tj->t", a, np.cross(b, d)).sum() / 6.0


IDENTITIES = [identity(0), sample_identity(np.random.default_rng(5), sex="female", age_years=22.0, skin_type=6),
              sample_identity(np.random.default_rng(9), sex="male", age_years=85.0, skin_type=1),
              neutral(**{k: 2.5 for k in SHAPE_PARAMS}), neutral(**{k: -2.5 for k in SHAPE_PARAMS})]
STATES = [state(), state([0.6, 0.25, -0.3], 0.3, 2.0, smile=1.0),
          state([0.5, -0.2, 0.25], 1.0, 8.0, mouth_open=1.0, brow_raise=1.0),
          state([0.7, 0.0, -0.4], 0.6, 5.0, brow_furrow=1.0, mouth_open=0.4, smile=0.5)]


@pytest.fixture(scope="module")
def geoms():
    return [(i, s, build_driver(i, s)) for i in IDENTITIES for s in STATES]


# ------------------------------------------------------------------ structure
def test_api_shapes_and_values(geoms):
    assert len(LANDMARK_NAMES) == 70 and len(set(LANDMARK_NAMES)) == 70
    assert LANDMARK_NAMES[30] == "nose_tip" and LANDMARK_NAMES[68] == "right_pupil"
    for _, _, g in geoms:
        names = [p.name for p in g.parts]
        assert len(names) == len(set(names))
        for p in g.parts:
            assert p.semantic in CLASSES, p.name
            assert p.material in MATERIALS, p.name
            assert all(seg[:1].isupper() and seg.isalnum() for seg in p.name.split("/")), p.name
            assert p.points.dtype == np.float64 and p.points.shape[1] == 3
            assert p.normals.shape == p.points.shape
            assert p.faces.dtype == np.int32 and p.faces.shape[1] == 3
            assert p.faces.min() >= 0 and p.faces.max() < len(p.points)
            assert np.isfinite(p.points).all() and np.isfinite(p.normals).all(), p.name
            assert np.allclose(np.linalg.norm(p.normals, axis=1), 1.0, atol=1e-9), p.name
        assert g.landmarks.shape == (70, 3) and np.isfinite(g.landmarks).all()
        assert len(g.landmark_parts) == 70 and set(g.landmark_parts) <= set(names)
        assert g.eye_centres.shape == g.gaze_dirs.shape == g.pupil_centres.shape == (2, 3)
        assert g.aperture_mm.shape == (2,)
    required = {"Head", "EyeR/Sclera", "EyeR/Iris", "EyeR/Pupil", "EyeR/Cornea", "EyeR/UpperLid", "EyeR/LowerLid",
                "EyeL/Sclera", "EyeL/Iris", "EyeL/Pupil", "EyeL/Cornea", "EyeL/UpperLid", "EyeL/LowerLid"}
    assert required <= set(names)
    sem = {p.semantic for p in geoms[0][2].parts}
    assert {"skin", "sclera", "iris", "pupil", "lips", "eyebrows"} <= sem
    assert part(geoms[0][2], "EyeR/Cornea").material == "cornea"


def test_skin_triangle_budget(geoms):
    n = len(part(geoms[0][2], "Head").faces)
    assert 15000 <= n <= 25000


def test_fixed_topology(geoms):
    ref = geoms[0][2]
    for _, _, g in geoms[1:]:
        assert [p.name for p in g.parts] == [p.name for p in ref.parts]
        for p, q in zip(g.parts, ref.parts):
            assert len(p.points) == len(q.points), p.name
            assert np.array_equal(p.faces, q.faces), p.name
            assert (p.semantic, p.material) == (q.semantic, q.material)
        assert g.landmark_parts == ref.landmark_parts


# ------------------------------------------------------------------ landmarks
def test_landmarks_lie_on_their_parts(geoms):
    for _, _, g in geoms[::3]:
        for k, (x, name) in enumerate(zip(g.landmarks, g.landmark_parts)):
            p = part(g, name)
            d = point_triangle_distance(x, p.points[p.faces]).min()
            assert d < 0.05e-3, (k, LANDMARK_NAMES[k], name, d)


def test_landmark_layout_is_ibug(geoms):
    g = geoms[0][2]
    L = g.landmarks
    y, z = L[:, 1], L[:, 2]
    # subject's right (head -y) first: jaw 0 and brow 17, eye 36, mouth corner 48 on the right
    assert y[0] < 0 < y[16] and y[17] < 0 < y[26] and y[36] < 0 < y[45] and y[48] < 0 < y[54]
    assert np.argmin(z[:17]) == 8                       # chin bottom in the middle of the jaw line
    assert np.all(np.diff(z[27:31]) < 0)                # nose bridge runs down to the tip
    assert L[30, 0] == L[:68, 0].max()                  # the nose tip is the most forward point
    assert np.all(z[17:27] > z[36:48].max())            # brows above the eyes
    assert z[51] > z[62] >= z[66] > z[57]               # outer/inner lips in order
    for a, b in ((36, 39), (42, 45)):                   # corners bracket the lid points
        lo, hi = sorted((y[a], y[b]))
        lid = [37, 38, 40, 41] if a == 36 else [43, 44, 46, 47]
        assert np.all((y[lid] > lo) & (y[lid] < hi))
    assert np.all(z[[37, 38]] > z[[41, 40]]) and np.all(z[[43, 44]] > z[[47, 46]])
    assert set(g.landmark_parts[36:42]) == {"EyeR/UpperLid", "EyeR/LowerLid"}
    assert g.landmark_parts[48:68] == tuple(n for n in g.landmark_parts[48:68] if n.startswith("Mouth/"))
    assert g.landmark_parts[68:] == ("EyeR/Pupil", "EyeL/Pupil")


def test_eye_landmarks_follow_the_lids():
    i = identity(3)
    open_, shut = build_driver(i, state(closure=0.0)), build_driver(i, state(closure=1.0))
    for up, lo in ((37, 41), (38, 40), (43, 47), (44, 46)):
        assert open_.landmarks[up, 2] - open_.landmarks[lo, 2] > 4e-3
        assert abs(shut.landmarks[up, 2] - shut.landmarks[lo, 2]) < 1.5e-3
    assert np.allclose(open_.landmarks[[36, 39, 42, 45]], shut.landmarks[[36, 39, 42, 45]], atol=1e-9)


# ------------------------------------------------------------------ eyes
def test_pupils_and_gaze(geoms):
    for ident, st, g in geoms:
        mid = g.eye_centres.mean(axis=0)
        assert np.allclose(mid, 0.0, atol=1e-12)
        assert np.isclose(np.linalg.norm(g.eye_centres[1] - g.eye_centres[0]), ident.ipd_m)
        assert g.eye_centres[0, 1] < 0 < g.eye_centres[1, 1]
        dist = np.sqrt(ident.eyeball_radius_m ** 2 - ident.iris_radius_m ** 2) + 0.1e-3
        for i, side in enumerate("RL"):
            to_target = st.gaze_target_head - g.eye_centres[i]
            assert np.allclose(g.gaze_dirs[i], to_target / np.linalg.norm(to_target), atol=1e-12)
            assert np.allclose(g.pupil_centres[i], g.eye_centres[i] + dist * g.gaze_dirs[i], atol=1e-12)
            assert np.allclose(g.landmarks[68 + i], g.pupil_centres[i], atol=1e-12)
            pupil = part(g, f"Eye{side}/Pupil").points
            assert np.allclose(pupil[1:].mean(axis=0), g.pupil_centres[i], atol=1e-9)
            radius = np.linalg.norm(pupil[1:] - g.pupil_centres[i], axis=1)
            assert np.allclose(radius, 0.5e-3 * st.pupil_diameter_mm, rtol=1e-9)
            # the pupil disc and the iris face along the gaze
            assert np.allclose((pupil - g.pupil_centres[i]) @ g.gaze_dirs[i], 0.0, atol=1e-12)
            sclera = part(g, f"Eye{side}/Sclera").points
            assert np.allclose(np.linalg.norm(sclera - g.eye_centres[i], axis=1), ident.eyeball_radius_m)


def test_cornea_geometry():
    ident = identity(4)
    g = build_driver(ident, state([0.6, -0.2, 0.1]))
    for i, side in enumerate("RL"):
        c, d = g.eye_centres[i], g.gaze_dirs[i]
        cornea = part(g, f"Eye{side}/Cornea").points
        apex = cornea[np.argmax((cornea - c) @ d)]
        xl = np.sqrt(ident.eyeball_radius_m ** 2 - ident.iris_radius_m ** 2)
        sag = CORNEA_R - np.sqrt(CORNEA_R ** 2 - ident.iris_radius_m ** 2)
        assert np.isclose((apex - c) @ d, xl + sag, atol=1e-9)
        assert 2.2e-3 < sag < 3.2e-3                               # bulges ~2.5 mm in front of the limbus
        assert (apex - c) @ d > ident.eyeball_radius_m + 0.5e-3    # and in front of the sclera sphere
        # the iris outer edge is the sclera's cut (limbus) and the cornea's rim
        iris = part(g, f"Eye{side}/Iris").points
        r = np.linalg.norm(np.cross(iris - c, d), axis=1)
        assert np.isclose(r.max(), ident.iris_radius_m)
        assert np.allclose((iris - c) @ d, xl, atol=1e-12)


def lid_measure(g, side):
    """Aperture (m) measured independently: slice both lids with the vertical plane through
    the midpoint of the eye-corner landmarks; upper lid's lowest point minus lower lid's highest."""
    corners = (36, 39) if side == "R" else (42, 45)
    y0 = g.landmarks[list(corners), 1].mean()
    up, lo = part(g, f"Eye{side}/UpperLid"), part(g, f"Eye{side}/LowerLid")
    return slice_z(up.points, up.faces, y0).min() - slice_z(lo.points, lo.faces, y0).max()


def test_aperture_matches_the_lid_margins(geoms):
    for _, _, g in geoms:
        for i, side in enumerate("RL"):
            assert abs(lid_measure(g, side) * 1e3 - g.aperture_mm[i]) < 0.2


def test_open_aperture_is_the_identitys():
    for seed in range(6):
        ident = sample_identity(np.random.default_rng(seed))
        g = build_driver(ident, state())
        want = dimensions(ident)["eye_aperture"]
        assert 6.0 <= want <= 14.0
        # eyes in primary position (target far ahead of each eye): the alert aperture
        assert np.allclose(g.aperture_mm, want, atol=0.35), (g.aperture_mm, want)


def test_closure_closes():
    for ident in IDENTITIES:
        g = build_driver(ident, state(closure=1.0))
        assert np.all(g.aperture_mm < 0.5) and np.all(g.aperture_mm >= 0.0)
        for side in "RL":
            assert lid_measure(g, side) < 0.5e-3
        half = build_driver(ident, state(closure=0.5)).aperture_mm
        full = build_driver(ident, state(closure=0.0)).aperture_mm
        assert np.all(full > half) and np.all(half > g.aperture_mm)


def test_per_eye_closure():
    g = build_driver(identity(1), FaceState(gaze_target_head=AHEAD, eyelid_closure=np.array([1.0, 0.0])))
    assert g.aperture_mm[0] < 0.5 < 6.0 < g.aperture_mm[1]


def test_upper_lid_follows_eye_pitch():
    i = identity(2)
    ahead = build_driver(i, state([1.0, 0.0, 0.0]))
    down = build_driver(i, state([1.0, 0.0, -0.45]))     # about 24 degrees down
    up = build_driver(i, state([1.0, 0.0, 0.3]))
    assert np.all(down.aperture_mm < ahead.aperture_mm - 2.0)
    assert np.all(up.aperture_mm > ahead.aperture_mm)
    assert np.all(down.landmarks[[37, 38, 43, 44], 2] < ahead.landmarks[[37, 38, 43, 44], 2] - 2e-3)


def inside_eye(p, g, ident, i):
    """Is each point inside the eyeball (sclera sphere) or the cornea cap of eye i?"""
    c, d = g.eye_centres[i], g.gaze_dirs[i]
    re, ri = ident.eyeball_radius_m, ident.iris_radius_m
    xl = np.sqrt(re ** 2 - ri ** 2)
    cc = c + d * (xl - np.sqrt(CORNEA_R ** 2 - ri ** 2))
    in_sclera = np.linalg.norm(p - c, axis=1) < re - 1e-7
    in_cornea = (np.linalg.norm(p - cc, axis=1) < CORNEA_R - 1e-7) & ((p - c) @ d > xl)
    return in_sclera | in_cornea


def test_lids_stay_outside_the_eyeball_and_cornea():
    w = np.array([(a, b, 1 - a - b) for a in np.linspace(0, 1, 5) for b in np.linspace(0, 1, 5) if a + b <= 1])
    for ident in IDENTITIES[:1] + IDENTITIES[3:]:
        for target in ([1, 0, 0], [0.6, 0, -0.45], [0.6, 0, 0.35], [0.6, 0.4, 0], [0.6, -0.4, -0.2]):
            for closure in (0.0, 0.5, 1.0):
                g = build_driver(ident, state(target, closure))
                for i, side in enumerate("RL"):
                    for lid in ("UpperLid", "LowerLid"):
                        p = part(g, f"Eye{side}/{lid}")
                        samples = np.einsum("kj,tjd->tkd", w, p.points[p.faces]).reshape(-1, 3)
                        assert not inside_eye(samples, g, ident, i).any(), (side, lid, target, closure)


def test_lids_stay_outside_the_eyeball_in_a_randomised_sweep():
    # Beyond the grid above: random drivers (any sex, age, shape), gaze directions
    # within the eye's range (yaw and pitch up to 35 deg), per-eye closures and
    # expressions that move the lids (squint, yawn), from a fixed seed.
    rng = np.random.default_rng(2024)
    w = np.array([(a, b, 1 - a - b) for a in np.linspace(0, 1, 4) for b in np.linspace(0, 1, 4) if a + b <= 1])
    for _ in range(16):
        ident = sample_identity(rng)
        yaw, pitch = np.radians(rng.uniform(-35, 35, 2))
        target = 0.6 * np.array([np.cos(pitch) * np.cos(yaw), np.cos(pitch) * np.sin(yaw), -np.sin(pitch)])
        expression = {name: float(rng.uniform(0, 1)) for name in ("squint", "yawn") if rng.uniform() < 0.5}
        st = FaceState(gaze_target_head=target, eyelid_closure=rng.uniform(0, 1, 2),
                       pupil_diameter_mm=float(rng.uniform(2, 8)), expression=expression)
        g = build_driver(ident, st)
        for i, side in enumerate("RL"):
            for lid in ("UpperLid", "LowerLid"):
                p = part(g, f"Eye{side}/{lid}")
                samples = np.einsum("kj,tjd->tkd", w, p.points[p.faces]).reshape(-1, 3)
                assert not inside_eye(samples, g, ident, i).any(), (ident.to_dict(), st, side, lid)


def test_open_fissure_is_not_covered():
    """Rays travelling along -X through the open fissure meet the eye first, not skin."""
    for ident in IDENTITIES:
        for target in ([1, 0, 0], [0.7, 0.25, -0.15]):
            g = build_driver(ident, state(target))
            opaque = [p for p in g.parts if p.material != "cornea"]
            tris = np.concatenate([p.points[p.faces] for p in opaque])
            owner = np.concatenate([[p.name] * len(p.faces) for p in opaque])
            for up, lo in ((37, 41), (38, 40), (43, 47), (44, 46)):
                for t in (0.3, 0.5, 0.7):
                    q = g.landmarks[lo] + t * (g.landmarks[up] - g.landmarks[lo])
                    origin = np.array([0.2, q[1], q[2]])
                    hits = ray_hits(origin, np.array([-1.0, 0.0, 0.0]), tris)
                    first = owner[np.argmin(hits)]
                    assert np.isfinite(hits.min()) and first.split("/")[-1] in ("Sclera", "Iris", "Pupil"), first


def test_inner_eye_corners_show_within_the_near_frontal_cone():
    """The medial canthi show in frontal photographs and to a camera below or beside the
    face (issue 12): rays from 0.6 m to each inner corner from every direction within 30
    degrees of the head's axis (15 and 30 degrees off it at eight azimuths, and on it) meet
    no opaque part of the driver more than 0.5 mm (labels.frame.OCCLUSION_EPS_M) before
    the corner. The identities wear no fringe, which hangs over the eyes on purpose."""
    directions = [np.array([1.0, 0.0, 0.0])]
    for off in np.radians([15.0, 30.0]):
        for around in np.radians(np.arange(0.0, 360.0, 45.0)):
            directions.append(np.array([np.cos(off), np.sin(off) * np.cos(around), np.sin(off) * np.sin(around)]))
    hidden = []
    for ident in IDENTITIES:
        ident = Identity.from_dict({**ident.to_dict(), "hair_style": "short"})
        for target in ([1, 0, 0], [0.7, 0.25, -0.15]):
            g = build_driver(ident, state(target))
            opaque = [p for p in g.parts if p.material != "cornea"]
            tris = np.concatenate([p.points[p.faces] for p in opaque])
            for k in (39, 42):
                for d in directions:
                    camera = g.landmarks[k] + 0.6 * d
                    t = ray_hits(camera, g.landmarks[k] - camera, tris).min()
                    if (1.0 - t) * 0.6 > 0.5e-3:
                        hidden.append((ident.sex, ident.age_years, target, k, np.round(d, 2).tolist()))
    assert not hidden, hidden[:10]


def _bearded():
    """(identity, style, geometry, triangles (T,3,3), owning part's name per triangle) of each
    test identity with a short and with a long beard, the corneas left out."""
    for ident in IDENTITIES:
        for style in ("short_beard", "long_beard"):
            g = build_driver(Identity.from_dict({**ident.to_dict(), "facial_hair": style}), state())
            parts = [p for p in g.parts if p.material != "cornea"]
            yield (ident, style, g, np.concatenate([p.points[p.faces] for p in parts]),
                   np.concatenate([[p.name] * len(p.faces) for p in parts]))


def test_beards_leave_the_lips_bare():
    """No hair grows on the vermilion, and a trimmed beard stops at the lip line: rays from
    in front through the middle of each lip (halfway between its outer and inner contour
    landmarks, six places) meet the lip before any beard card (whole card quads, their
    gaps ignored, so a card there at all counts)."""
    covered = []
    for ident, style, g, tris, owner in _bearded():
        for outer, inner in ((50, 61), (51, 62), (52, 63), (56, 65), (57, 66), (58, 67)):
            q = 0.5 * (g.landmarks[outer] + g.landmarks[inner])
            hits = ray_hits(np.array([0.3, q[1], q[2]]), np.array([-1.0, 0.0, 0.0]), tris)
            first = owner[np.argmin(hits)]
            if not first.startswith("Mouth/"):
                covered.append((ident.sex, ident.age_years, style, outer, first))
    assert not covered, covered[:10]


def test_the_throat_lies_behind_the_chin():
    """In profile the cervical point (the deepest point between the chin's underside and the
    neck: the front midline skin's most posterior point within 40 mm below the chin, landmark
    8, and less than 70 mm behind it, where the back of the neck is more than 100 mm) lies
    behind the soft-tissue gnathion (landmark 8) by the lower face's height, subnasale
    (landmark 33) to gnathion, divided by 1.1 to 1.7: Legan and Burstone's lower vertical
    height-depth ratio, 1.2 +- 0.1 in their norms (1980), 1.6 (men) and 1.4 +- 0.4 (women)
    measured in Turkish adults (Scientific World Journal 2013, 806203). Before the throat's
    recess it was 2.5 to 3.5: the neck's front stood 10 mm behind the chin."""
    ratios = []
    for ident in IDENTITIES:
        g = build_driver(ident, state())
        head = part(g, "Head")
        chin, subnasale = g.landmarks[8], g.landmarks[33]
        p = head.points[(np.abs(head.points[:, 1]) < 2e-3) & (head.points[:, 2] < chin[2])
                        & (head.points[:, 2] > chin[2] - 0.04) & (head.points[:, 0] > chin[0] - 0.07)]
        cervical = p[np.argmin(p[:, 0])]
        depth = np.linalg.norm((cervical - chin)[[0, 2]])
        height = np.linalg.norm((subnasale - chin)[[0, 2]])
        ratios.append(round(float(height / depth), 2))
    assert all(1.1 <= r <= 1.7 for r in ratios), ratios


def test_beards_end_at_a_neckline():
    """A beard covers the skin under the chin and stops at a neckline below the jaw: rays
    rising at 45 degrees from in front into the chin's underside (just below the menton,
    landmark 8, at three places across it) meet the beard before the skin; horizontal rays
    at the throat, 35-50 mm below the menton, meet the skin first (cap and cards alike; the
    long beard's hanging cards are left out, they hang in front of the throat by design)."""
    wrong = []
    up = np.array([-1.0, 0.0, 1.0]) / np.sqrt(2.0)
    for ident, style, g, tris, owner in _bearded():
        chin = g.landmarks[8]
        for y in (-0.02, 0.003, 0.02):
            hits = ray_hits(chin + np.array([0.0, y, -0.002]) - 0.3 * up, up, tris)
            if not owner[np.argmin(hits)].startswith("FacialHair"):
                wrong.append((ident.sex, ident.age_years, style, "chin", y, owner[np.argmin(hits)]))
        throat = owner != "FacialHairCards" if style == "long_beard" else np.ones(len(owner), bool)
        for dz in (0.035, 0.04, 0.045, 0.05):
            hits = ray_hits(np.array([0.3, 0.003, chin[2] - dz]), np.array([-1.0, 0.0, 0.0]), tris[throat])
            if owner[throat][np.argmin(hits)] != "Head":
                wrong.append((ident.sex, ident.age_years, style, "throat", dz, owner[throat][np.argmin(hits)]))
    assert not wrong, wrong[:10]


# ------------------------------------------------------------------ orientation
def test_faces_point_outwards(geoms):
    g = geoms[0][2]
    head = part(g, "Head")
    assert signed_volume(head.points, head.faces) > 2e-3            # litres of head, positive
    for name in ("Head", "EyeR/Sclera", "EyeL/Cornea"):
        p = part(g, name)
        fn = np.cross(p.points[p.faces[:, 1]] - p.points[p.faces[:, 0]], p.points[p.faces[:, 2]] - p.points[p.faces[:, 0]])
        ok = np.linalg.norm(fn, axis=1) > 0
        away = np.einsum("tj,tj->t", fn, p.points[p.faces].mean(axis=1) - p.points.mean(axis=0))[ok]
        assert (away > 0).mean() > 0.95, name
    # An ear is not convex (half its faces look towards its own centre) but it is a
    # closed shell, every edge shared by two faces: outward faces enclose a positive
    # volume, a few cm^3.
    for name in ("EarL", "EarR"):
        p = part(g, name)
        edges = np.sort(p.faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
        assert set(np.unique(edges, axis=0, return_counts=True)[1]) == {2}, name
        assert 1e-6 < signed_volume(p.points, p.faces) < 2e-5, name
    # vertex normals agree with the faces around them (two-sided sheets hold both windings;
    # a part folded away to no area has nothing to agree with)
    for p in g.parts:
        if p.name.endswith("Lashes") or p.name == "HairFringe":
            continue
        fn = np.cross(p.points[p.faces[:, 1]] - p.points[p.faces[:, 0]], p.points[p.faces[:, 2]] - p.points[p.faces[:, 0]])
        area = np.linalg.norm(fn, axis=1)
        ok = area > 1e-14
        if not ok.any():
            continue
        agree = np.einsum("tj,tj->t", fn[ok], p.normals[p.faces[ok]].mean(axis=1)) > 0
        assert agree.mean() > 0.97, p.name
    # the face, lids and the visible inside of sockets and mouth face the viewer in front
    for name in ("EyeR/UpperLid", "EyeL/LowerLid", "EyeR/Socket", "Mouth/UpperLip", "Mouth/LowerLip"):
        p = part(g, name)
        fn = np.cross(p.points[p.faces[:, 1]] - p.points[p.faces[:, 0]], p.points[p.faces[:, 2]] - p.points[p.faces[:, 0]])
        assert (fn[:, 0] > 0).mean() > 0.6, name


def test_pupil_iris_face_forward(geoms):
    g = geoms[0][2]
    for i, side in enumerate("RL"):
        for name in ("Iris", "Pupil"):
            p = part(g, f"Eye{side}/{name}")
            fn = np.cross(p.points[p.faces[:, 1]] - p.points[p.faces[:, 0]], p.points[p.faces[:, 2]] - p.points[p.faces[:, 0]])
            assert np.all(fn @ g.gaze_dirs[i] > 0)


# ------------------------------------------------------------------ identity
def test_identity_sampling_is_reproducible_and_uses_the_given_rng():
    a = sample_identity(np.random.default_rng(42))
    np.random.seed(0)
    b = sample_identity(np.random.default_rng(42))
    assert a.to_dict() == b.to_dict()
    c = sample_identity(np.random.default_rng(43))
    assert a.to_dict() != c.to_dict()
    d = sample_identity(np.random.default_rng(1), sex="female", age_years=70.0, skin_type=5)
    assert (d.sex, d.age_years, d.skin_type) == ("female", 70.0, 5)
    assert set(d.shape) == set(SHAPE_PARAMS) and len(SHAPE_PARAMS) >= 20


def test_identity_to_dict_is_json():
    i = sample_identity(np.random.default_rng(3))
    text = json.dumps(i.to_dict())
    back = Identity.from_dict(json.loads(text))
    assert back.to_dict() == i.to_dict()
    g1, g2 = build_driver(i, state()), build_driver(back, state())
    assert np.array_equal(g1.landmarks, g2.landmarks)


def test_identity_distributions():
    rng = np.random.default_rng(7)
    men = [sample_identity(rng, sex="male", age_years=35.0) for _ in range(600)]
    women = [sample_identity(rng, sex="female", age_years=35.0) for _ in range(600)]
    ipd_m = np.mean([i.ipd_m for i in men]) * 1e3
    ipd_f = np.mean([i.ipd_m for i in women]) * 1e3
    assert 63.0 < ipd_m < 66.5 and 60.5 < ipd_f < 64.0
    assert all(54e-3 <= i.ipd_m <= 74e-3 for i in men + women)
    st_m = np.mean([i.stature_m for i in men])
    st_f = np.mean([i.stature_m for i in women])
    assert 1.72 < st_m < 1.79 and 1.60 < st_f < 1.66
    assert all(5.0e-3 < i.iris_radius_m < 6.5e-3 and 10.5e-3 < i.eyeball_radius_m < 13.5e-3 for i in men)
    ap = np.array([dimensions(i)["eye_aperture"] for i in men + women])
    assert ap.min() >= 6.0 and ap.max() <= 14.0 and 9.0 < ap.mean() < 11.0
    z = np.array([[i.shape[k] for k in SHAPE_PARAMS] for i in men + women])
    corr = np.corrcoef(z.T)
    k = {n: j for j, n in enumerate(SHAPE_PARAMS)}
    assert corr[k["face_height"], k["nose_length"]] > 0.15           # correlated, not independent
    assert corr[k["head_length"], k["head_breadth"]] > 0.1
    assert np.allclose(z.std(axis=0), 1.0, atol=0.15)


def test_bad_identity_is_rejected():
    d = identity().to_dict()
    with pytest.raises(ValueError, match="nose_lenght"):
        Identity.from_dict({**d, "shape": {"nose_lenght": 1.0}})
    with pytest.raises(ValueError):
        Identity.from_dict({**d, "sex": "x"})
    with pytest.raises(ValueError):
        Identity.from_dict({**d, "skin_type": 7})


def _glabella_x(g):
    p = part(g, "Head").points
    m = (np.abs(p[:, 1]) < 8e-3) & (p[:, 2] > 14e-3) & (p[:, 2] < 26e-3)
    return p[m, 0].max()


def _forehead_x(g):
    """x of the skin on the midline 45 mm above the eye centres."""
    p = part(g, "Head").points
    m = (np.abs(p[:, 1]) < 4e-3) & (np.abs(p[:, 2] - 0.045) < 4e-3) & (p[:, 0] > 0.0)
    return p[m, 0].max()


def _extent(g, name, axis):
    p = part(g, name).points
    return p[:, axis].max() - p[:, axis].min()


@pytest.mark.parametrize("param, check", [
    ("nose_length", lambda lo, hi: hi.landmarks[33, 2] < lo.landmarks[33, 2] - 4e-3
                                   and hi.landmarks[30, 2] < lo.landmarks[30, 2] - 3e-3),
    ("nose_projection", lambda lo, hi: hi.landmarks[30, 0] > lo.landmarks[30, 0] + 4e-3),
    ("nose_width", lambda lo, hi: (hi.landmarks[35, 1] - hi.landmarks[31, 1]) > (lo.landmarks[35, 1] - lo.landmarks[31, 1]) + 3e-3),
    ("head_breadth", lambda lo, hi: _extent(hi, "Head", 1) > _extent(lo, "Head", 1) + 12e-3),
    ("head_length", lambda lo, hi: _extent(hi, "Head", 0) > _extent(lo, "Head", 0) + 12e-3),
    ("face_height", lambda lo, hi: hi.landmarks[8, 2] < lo.landmarks[8, 2] - 10e-3),
    ("mouth_width", lambda lo, hi: (hi.landmarks[54, 1] - hi.landmarks[48, 1]) > (lo.landmarks[54, 1] - lo.landmarks[48, 1]) + 8e-3),
    ("lip_thickness", lambda lo, hi: (hi.landmarks[51, 2] - hi.landmarks[57, 2]) > (lo.landmarks[51, 2] - lo.landmarks[57, 2]) + 3e-3),
    ("chin_projection", lambda lo, hi: hi.landmarks[8, 0] > lo.landmarks[8, 0] + 2e-3),
    ("jaw_width", lambda lo, hi: (hi.landmarks[12, 1] - hi.landmarks[4, 1]) > (lo.landmarks[12, 1] - lo.landmarks[4, 1]) + 4e-3),
    ("brow_ridge", lambda lo, hi: _glabella_x(hi) > _glabella_x(lo) + 2e-3),
    ("eye_size", lambda lo, hi: np.linalg.norm(hi.landmarks[39] - hi.landmarks[36]) > np.linalg.norm(lo.landmarks[39] - lo.landmarks[36]) + 3e-3),
    ("eye_aperture", lambda lo, hi: np.all(hi.aperture_mm > lo.aperture_mm + 3.0)),
    ("ear_size", lambda lo, hi: _extent(hi, "EarL", 2) > _extent(lo, "EarL", 2) + 8e-3),
    ("canthal_tilt", lambda lo, hi: (hi.landmarks[36, 2] - hi.landmarks[39, 2]) > (lo.landmarks[36, 2] - lo.landmarks[39, 2]) + 1.5e-3),
    ("head_height", lambda lo, hi: part(hi, "Head").points[:, 2].max() > part(lo, "Head").points[:, 2].max() + 10e-3),
    ("cheekbone_width", lambda lo, hi: _extent(hi, "Head", 1) > _extent(lo, "Head", 1) + 3e-3
                                       and np.allclose(hi.landmarks[27:36], lo.landmarks[27:36], atol=1e-3)),
    ("lower_lip_share", lambda lo, hi: (hi.landmarks[66, 2] - hi.landmarks[57, 2]) > (lo.landmarks[66, 2] - lo.landmarks[57, 2]) + 1.5e-3
                                       and (hi.landmarks[51, 2] - hi.landmarks[62, 2]) < (lo.landmarks[51, 2] - lo.landmarks[62, 2]) - 1.5e-3),
    ("forehead_slope", lambda lo, hi: _forehead_x(hi) < _forehead_x(lo) - 4e-3
                                      and abs(_glabella_x(hi) - _glabella_x(lo)) < 1e-3),
])
def test_shape_parameters_move_the_mesh_where_they_should(param, check):
    lo = build_driver(neutral(**{param: -2.5}), state())
    hi = build_driver(neutral(**{param: 2.5}), state())
    assert check(lo, hi)
    # and a nose parameter leaves the ears (far away) nearly alone (< 1 mm for +-2.5 sd)
    if param.startswith("nose"):
        assert np.allclose(part(lo, "EarL").points, part(hi, "EarL").points, atol=1.0e-3)


def test_ipd_moves_the_eyes_and_their_openings():
    a = neutral()
    d = a.to_dict()
    d["ipd_m"] = 0.070
    b = Identity.from_dict(d)
    ga, gb = build_driver(a, state()), build_driver(b, state())
    assert np.isclose(gb.eye_centres[1, 1] - gb.eye_centres[0, 1], 0.070)
    # the eye corners and lids move with the eyes: 3 mm outwards per side
    assert np.allclose(gb.landmarks[[36, 39], 1] - ga.landmarks[[36, 39], 1], -3e-3, atol=0.3e-3)
    assert np.allclose(gb.landmarks[[42, 45], 1] - ga.landmarks[[42, 45], 1], 3e-3, atol=0.3e-3)


# ------------------------------------------------------------------ expressions and state
def test_expressions():
    i = identity(6)
    rest = build_driver(i, state())
    smile = build_driver(i, state(smile=1.0))
    assert np.all(smile.landmarks[[48, 54], 2] > rest.landmarks[[48, 54], 2] + 2e-3)      # corners up
    assert smile.landmarks[54, 1] - smile.landmarks[48, 1] > rest.landmarks[54, 1] - rest.landmarks[48, 1] + 3e-3
    opened = build_driver(i, state(mouth_open=1.0))
    gap = opened.landmarks[62, 2] - opened.landmarks[66, 2]
    assert gap > 15e-3 and abs(rest.landmarks[62, 2] - rest.landmarks[66, 2]) < 0.5e-3
    assert opened.landmarks[8, 2] < rest.landmarks[8, 2] - 15e-3                       # jaw drops
    assert np.allclose(opened.landmarks[27:31], rest.landmarks[27:31], atol=0.2e-3)     # nose stays
    raised = build_driver(i, state(brow_raise=1.0))
    assert np.all(raised.landmarks[17:27, 2] > rest.landmarks[17:27, 2] + 2e-3)
    assert np.allclose(raised.landmarks[48:68], rest.landmarks[48:68], atol=0.3e-3)
    assert set(EXPRESSIONS) >= {"smile", "mouth_open"}


def test_squint_talk_and_yawn():
    i = identity(6)
    rest = build_driver(i, state())
    width = lambda g: g.landmarks[54, 1] - g.landmarks[48, 1]
    gap = lambda g: g.landmarks[62, 2] - g.landmarks[66, 2]
    squint = build_driver(i, state(squint=1.0))
    assert np.all((squint.aperture_mm > 0.3 * rest.aperture_mm) & (squint.aperture_mm < 0.6 * rest.aperture_mm))
    assert np.all(squint.closure > 0.3) and np.all(rest.closure == 0.0)
    assert np.all(squint.landmarks[[40, 41, 46, 47], 2] > rest.landmarks[[40, 41, 46, 47], 2] + 1e-3)  # lower lids up
    assert np.allclose(squint.landmarks[48:68], rest.landmarks[48:68], atol=0.3e-3)
    talk = build_driver(i, state(talk=1.0))
    assert 5e-3 < gap(talk) < 15e-3                                    # an open vowel, not a yawn
    assert width(talk) < width(rest) - 4e-3                            # lips rounded
    assert talk.landmarks[51, 0] > rest.landmarks[51, 0] + 1e-3        # and pushed out
    yawn = build_driver(i, state(yawn=1.0))
    assert gap(yawn) > 38e-3 and gap(yawn) > 1.4 * gap(build_driver(i, state(mouth_open=1.0)))
    assert width(yawn) < width(rest)
    assert np.all(yawn.aperture_mm < 0.7 * rest.aperture_mm)
    # per-frame use: talk at any weight keeps the lids and the eye labels untouched
    for w in (0.2, 0.6):
        g = build_driver(i, state(talk=w))
        assert np.allclose(g.aperture_mm, rest.aperture_mm) and gap(rest) < gap(g) < gap(talk) + 1e-6


def test_mouth_opening_shows_the_inside_not_the_background():
    g = build_driver(identity(2), state(mouth_open=0.8))
    opaque = [p for p in g.parts if p.material != "cornea"]
    tris = np.concatenate([p.points[p.faces] for p in opaque])
    owner = np.concatenate([[p.name] * len(p.faces) for p in opaque])
    for t in (0.3, 0.5, 0.7):
        q = g.landmarks[66] + t * (g.landmarks[62] - g.landmarks[66])
        for dy in (-10e-3, 0.0, 10e-3):
            hits = ray_hits(np.array([0.2, q[1] + dy, q[2]]), np.array([-1.0, 0.0, 0.0]), tris)
            assert np.isfinite(hits.min()) and owner[np.argmin(hits)] in ("Mouth/Cavity", "Mouth/UpperTeeth",
                                                                          "Mouth/LowerTeeth", "Mouth/Tongue")


def test_state_validation():
    with pytest.raises(ValueError, match="wink"):
        state(wink=0.5)
    with pytest.raises(ValueError):
        state(smile=1.5)
    with pytest.raises(ValueError):
        state(closure=1.2)
    with pytest.raises(ValueError):
        state(pupil=9.5)
    with pytest.raises(ValueError):
        FaceState(gaze_target_head=np.zeros(2), eyelid_closure=np.zeros(2))
    with pytest.raises(ValueError):
        build_driver(identity(), state([0.0, -0.032, 0.0]))   # at the right eye's centre


def test_pupil_size_changes_only_the_iris_and_pupil():
    i = identity(8)
    a, b = build_driver(i, state(pupil=2.0)), build_driver(i, state(pupil=8.0))
    for p, q in zip(a.parts, b.parts):
        if p.name.endswith(("Iris", "Pupil")):
            assert not np.allclose(p.points, q.points)
        else:
            assert np.array_equal(p.points, q.points), p.name


# ------------------------------------------------------------------ hair and facial hair
def _with(identity, **kw):
    return Identity.from_dict({**identity.to_dict(), **kw})


def _styled(**kw):
    return build_driver(_with(reference_identity(), **kw), state())


def _offset_along_normal(g, name):
    """Signed distance (m) of each vertex of a skin-offset shell from the skin vertex it was made from."""
    head, shell = part(g, "Head"), part(g, name)
    _, k = cKDTree(head.points).query(shell.points)
    return np.einsum("ij,ij->i", shell.points - head.points[k], head.normals[k])


def _grown(p):
    """Vertices of a card part's cards that grew (a card a style leaves bare has no area)."""
    fn = np.cross(p.points[p.faces[:, 1]] - p.points[p.faces[:, 0]], p.points[p.faces[:, 2]] - p.points[p.faces[:, 0]])
    return p.points[np.unique(p.faces[np.linalg.norm(fn, axis=1) > 1e-12])]


def test_hair_styles_share_topology_and_cover_where_they_should():
    geoms = {s: _styled(hair_style=s) for s in HAIR_STYLES}
    for name in ("Hair", "HairCards", "HairFringe"):
        faces = [part(g, name).faces for g in geoms.values()]
        assert all(np.array_equal(f, faces[0]) for f in faces)
    head = part(geoms["bald"], "Head")
    crown = head.points[np.argmax(head.points[:, 2])]
    for style, g in geoms.items():
        cap, cards = part(g, "Hair").points, _grown(part(g, "HairCards"))
        if style == "bald":
            assert cap[:, 2].max() < crown[2] and len(cards) == 0   # the cap sunk under the skin, no cards
            continue
        # the cap lies CAP_MM over the skin; the cards stand up to the style's thickness above it
        assert cap[:, 2].max() - crown[2] == pytest.approx(CAP_MM * 1e-3, abs=3e-4)
        assert 0.5 * THICKNESS_MM[style] * 1e-3 < cards[:, 2].max() - crown[2] < 2.5 * THICKNESS_MM[style] * 1e-3
        # the forehead above the brows stays bare in every style (landmark 27 sits 5 mm above the
        # eyes): the cap sinks there and no scalp card comes near
        brow_mid = g.landmarks[27] + np.array([0.0, 0.0, 0.03])
        near = np.linalg.norm(cap - brow_mid, axis=1) < 0.012
        assert (_offset_along_normal(g, "Hair")[near] < 0).all(), style
        assert np.linalg.norm(cards - brow_mid, axis=1).min() > 0.012, style
    # long hair falls down the back of the neck; short hair stops above the nape
    back = lambda p: p[p[:, 0] < -0.09]
    assert back(_grown(part(geoms["long"], "HairCards")))[:, 2].min() < -0.12
    assert _grown(part(geoms["short"], "HairCards"))[:, 2].min() > -0.06


def test_fringe_covers_the_eyes_only_in_the_fringe_style():
    for style in HAIR_STYLES:
        g = _styled(hair_style=style)
        fr = part(g, "HairFringe")
        tris = fr.points[fr.faces]
        for c in g.eye_centres:
            origin = c + np.array([0.5, 0.0, 0.0])
            hits = ray_hits(origin, np.array([-1.0, 0.0, 0.0]), tris)
            front_of_eye = np.isfinite(hits) & (hits < 0.5 - 0.013)
            assert front_of_eye.any() == (style == "fringe"), style
        if style != "fringe":
            area = np.linalg.norm(np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]), axis=1)
            assert area.max() < 1e-12


def test_fringe_hangs_in_locks_that_end_in_points():
    # Read off the fringe's texture where its cards' st say: in the upper part of each card the
    # hair lies in locks of a few millimetres (runs of opaque texels across the card, scaled to the
    # card's width), and over the last 5 % of the card hardly any hair is left: the locks end at
    # their own lengths, tapered, not in a straight cut at the card's tip.
    from cabin_synth.driver import hair_cards as cards_mod
    from cabin_synth.scene.hair_cards import IMAGES

    opacity = IMAGES[part(_styled(hair_style="fringe"), "HairFringe").material]()[0].pixels > 127
    rows_n, cols_n = opacity.shape
    st = cards_mod.fringe_cards("fringe").st.reshape(cards_mod.FRINGE_CARDS, cards_mod.N_SEGMENTS + 1, 2, 2)

    def texels(card, t):
        cols = np.arange(int(round(st[card, 0, 0, 0] * cols_n)), int(round(st[card, 0, 1, 0] * cols_n)))
        rows = np.clip(((1.0 - t) * rows_n).astype(int), 0, rows_n - 1)
        return opacity[np.ix_(rows, cols)]

    widths_mm, ends = [], []
    for k in range(cards_mod.FRINGE_CARDS):
        tip = st[k, -1, 0, 1]
        for row in texels(k, np.linspace(0.1, 0.4, 10) * tip):
            edges = np.flatnonzero(np.diff(np.r_[0, row.astype(int), 0]))
            widths_mm += list((edges[1::2] - edges[::2]) * cards_mod.FRINGE_WIDTH_MM / row.size)
        root = texels(k, np.linspace(0.02, 0.2, 20) * tip).mean()
        ends.append(texels(k, np.linspace(0.95, 1.0, 6) * tip).mean() / root)
    assert np.median(widths_mm) > 2.0 and np.mean(np.array(widths_mm) < 1.0) < 0.1
    assert max(ends) < 0.1


def _surface_samples(p, n=8):
    """Points on every triangle of part p at barycentric steps of 1/n: distances to them are
    distances to the surface within a few percent of its largest triangles' size."""
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = i + j <= n
    w = np.stack([i[keep], j[keep], n - i[keep] - j[keep]], axis=1) / n          # (K,3)
    return np.einsum("kc,tcj->tkj", w, p.points[p.faces]).reshape(-1, 3)


def test_facial_hair_thickness_and_long_beard_length():
    for style in FACIAL_HAIR:
        g = _styled(facial_hair=style)
        off = _offset_along_normal(g, "FacialHair")
        cards = _grown(part(g, "FacialHairCards"))
        menton = g.landmarks[8][2]
        if style == "none":
            assert off.max() < 0.0 and len(cards) == 0
        elif style == "stubble":
            assert 0.0 < off.max() < 1e-3 and len(cards) == 0        # sub-pixel hair: the cap's colour alone
        elif style == "short_beard":
            head = part(g, "Head")
            standoff = cKDTree(_surface_samples(head)).query(cards)[0]
            assert 0.003 < standoff.max() < 0.020                     # a beard under 20 mm
            assert cards[:, 2].min() > menton - 0.04
        else:
            assert cards[:, 2].min() < menton - 0.150                  # over 150 mm below the chin
        # the beard stays off the eyes (sideburns end below the eye line) and off the nose
        visible = np.concatenate([part(g, "FacialHair").points[off > 0], cards])
        if len(visible):
            assert visible[:, 2].max() < -0.005
            central = visible[np.abs(visible[:, 1]) < 0.02]
            assert central[:, 2].max() < g.landmarks[33][2] + 0.002


def test_hair_sampling_follows_sex_and_age():
    rng = np.random.default_rng(5)
    women = [sample_identity(rng, sex="female", age_years=40.0) for _ in range(300)]
    assert all(i.facial_hair == "none" and i.hair_style != "bald" for i in women)
    men_young = [sample_identity(rng, sex="male", age_years=22.0) for _ in range(300)]
    men_old = [sample_identity(rng, sex="male", age_years=75.0) for _ in range(300)]
    bald = lambda ids: np.mean([i.hair_style == "bald" for i in ids])
    grey = lambda ids: np.mean([i.hair_colour in ("grey", "white") for i in ids])
    assert bald(men_young) < 0.05 and bald(men_old) > 0.25
    assert grey(men_young) < 0.1 and grey(men_old) > 0.7
    assert np.mean([i.facial_hair != "none" for i in men_young]) > 0.4
    dark = [sample_identity(rng, age_years=25.0, skin_type=6) for _ in range(200)]
    assert np.mean([i.hair_colour in ("black", "dark_brown") for i in dark]) > 0.95


def test_dark_hair_is_grey_in_nir():
    mats = driver_materials(3, (0.1, 0.1, 0.1), 1.0, "black", "short_beard")
    h = mats["hair"]
    assert max(h.albedo_rgb) < 0.02 and h.nir_940 > 5 * max(h.albedo_rgb)
    assert mats["facial_hair"] == h
    stubble = driver_materials(3, (0.1, 0.1, 0.1), 1.0, "black", "stubble")["facial_hair"]
    skin = driver_materials(3, (0.1, 0.1, 0.1), 1.0)["skin"]
    assert min(h.nir_940, skin.nir_940) < stubble.nir_940 < max(h.nir_940, skin.nir_940)
