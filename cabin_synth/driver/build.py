"""build_driver: identity + face state -> driver meshes, landmarks and eye labels.

Three levels of work, cached by what they depend on:
- static (once per process): the sculpted template, its topology, the warp
  operator, expression fields, landmark anchors;
- identity (LRU cache): the warped template, rest normals, eyeball meshes,
  eyelid shapes;
- state (every call): expression, eye rotation, eyelids, mouth cavity,
  normals of what moved, landmarks.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from threading import Lock

import numpy as np

from . import (brows_ears, eyelids, eyes, expressions, hair, hair_cards, landmarks as lm, lashes, mouth, sculpt, tear_film,
               teeth, template, warp)
from .identity import Identity, dimensions
from .mesh import locate_2d, sheet_faces, sheet_normals, vertex_normals
from .parts import DriverGeometry, Part
from .state import FaceState

SIDES = ("R", "L")   # [right, left] = head frame -y, +y


def _edge_anchor(faces: np.ndarray, v0: int, v1: int, t: float) -> tuple[int, np.ndarray]:
    """Face containing vertices v0 and v1 and the weights of (1 - t) v0 + t v1."""
    has0 = (faces == v0).any(axis=1)
    has1 = (faces == v1).any(axis=1)
    f = int(np.flatnonzero(has0 & has1)[0]) if v0 != v1 else int(np.flatnonzero(has0)[0])
    w = np.zeros(3)
    w[list(faces[f]).index(v0)] += 1.0 - t
    w[list(faces[f]).index(v1)] += t
    return f, w


def _row_anchor(faces, n_cols, row, u, t):
    """Anchor at fraction t between columns u and u+1 of a row-major grid row (u = -1: last column)."""
    v0 = row * n_cols + u
    v1 = row * n_cols + min(u + 1, n_cols - 1)
    return _edge_anchor(faces, v0, v1, t)


def _locate_on_curve(values: np.ndarray, target: float, pick=None) -> tuple[int, float]:
    """Segment k and fraction t with values[k] + t (values[k+1] - values[k]) = target."""
    cand = []
    for k in range(len(values) - 1):
        a, b = values[k], values[k + 1]
        if min(a, b) - 1e-12 <= target <= max(a, b) + 1e-12 and a != b:
            cand.append((k, (target - a) / (b - a)))
    if not cand:
        k = int(np.argmin(np.abs(values - target)))
        return (k, 0.0) if k < len(values) - 1 else (k - 1, 1.0)
    if pick is not None:
        return pick(cand)
    return cand[0]


@dataclass(frozen=True)
class _Static:
    skin: template.SkinTemplate
    mouth: mouth.MouthTemplate
    brows: brows_ears.BrowTemplate
    ears: brows_ears.EarTemplate
    slices: dict
    tpl_points: np.ndarray          # (N,3) metres: every warped template point
    W: np.ndarray                   # (N, M)
    fields: dict                    # expression -> (N,3) metres
    jaw: np.ndarray                 # (N,) jaw weights
    lid_topology: tuple
    lid_tau: tuple                  # per eye (upper tau, lower tau)
    skin_lip_faces: np.ndarray      # skin faces + lip faces indexed into [skin, upper, lower] for normals
    anchors: tuple                  # (part name, face, bary) x 70
    scalp: hair.ShellTopology
    beard: hair.ShellTopology


@lru_cache(maxsize=1)
def _static() -> _Static:
    skin = template.skin_template()
    mt = mouth.mouth_template()
    bt = brows_ears.brow_template()
    et = brows_ears.ear_template()
    chunks = [("skin", skin.points * 1e-3), ("upper_lip", mt.upper), ("lower_lip", mt.lower),
              ("brow_R", bt.points[0]), ("brow_L", bt.points[1]), ("ear_R", et.points[0]), ("ear_L", et.points[1]),
              ("upper_teeth", teeth.upper_teeth().points * 1e-3), ("lower_teeth", teeth.lower_teeth().points * 1e-3),
              ("tongue", teeth.tongue().points * 1e-3), ("pivot", expressions.JAW_PIVOT_MM[None] * 1e-3)]
    slices, start = {}, 0
    for name, arr in chunks:
        slices[name] = slice(start, start + len(arr))
        start += len(arr)
    tpl = np.concatenate([a for _, a in chunks])
    W = warp.warp_operator(tpl)

    fields = {k: v * 1e-3 for k, v in expressions.linear_fields(tpl * 1e3).items()}
    for k in fields:   # ears, teeth, tongue and the pivot do not take part in expressions (only the jaw moves them)
        for s in ("ear_R", "ear_L", "upper_teeth", "lower_teeth", "tongue", "pivot"):
            fields[k][slices[s]] = 0.0
    jaw = np.zeros(len(tpl))
    jaw[slices["skin"]] = mouth.skin_jaw_weight(skin.points)
    jaw[slices["upper_lip"]] = mt.jaw_upper
    jaw[slices["lower_lip"]] = mt.jaw_lower
    jaw[slices["lower_teeth"]] = 1.0   # the mandible's; the upper arch stays with the skull
    jaw[slices["tongue"]] = 1.0

    tops, taus = [], []
    for i in range(2):
        up, lo = skin.eye_rings[i]
        tops.append(eyelids.lid_topology(len(up), right_eye=(i == 0)))
        bu, bl = skin.eye_ring_beta[i]
        taus.append((eyelids.margin_tau(bu), eyelids.margin_tau(bl)))

    # skin + lips faces on one index space (lip row 0 = the skin ring) for seamless normals
    ns = len(skin.points)
    n = mt.n_cols
    ring_u, ring_l = skin.mouth_ring

    def lip_map(ring, offset):
        idx = np.arange(mouth.N_LIP_ROWS * n) + offset
        idx[:n] = ring
        return idx

    map_u = lip_map(ring_u, ns)
    map_l = lip_map(ring_l, ns + mouth.N_LIP_ROWS * n)
    skin_lip_faces = np.concatenate([skin.faces, map_u[mt.upper_faces], map_l[mt.lower_faces]])

    anchors = _anchors(skin, mt, bt, tops, taus)
    scalp = hair.shell_topology(skin.faces, hair.scalp_region(skin.points))
    beard = hair.shell_topology(skin.faces, hair.beard_region(skin.points))
    return _Static(skin, mt, bt, et, slices, tpl, W, fields, jaw, tuple(tops), tuple(taus), skin_lip_faces, anchors,
                   scalp, beard)


def _anchors(skin, mt, bt, tops, taus):
    out = []
    # skin: locate in the (az, psi) parameter plane, radial rows only
    fp = skin.param[skin.faces]
    radial = (np.abs(fp[..., 1]) < np.radians(89.0)).all(axis=1) & (np.ptp(fp[..., 0], axis=1) < 1.0)
    cand = np.flatnonzero(radial)
    queries = []
    jaw = [np.array(p) for p in lm.JAW_TARGETS]
    jaw = jaw + [p * np.array([1.0, -1.0, 1.0]) for p in jaw[-2::-1]]
    for p in jaw:
        queries.append(template.to_param(p))
    nose_idx = len(queries)
    for y, z in lm.NOSE_TARGETS:
        queries.append(template.frontal_to_param(y, z))
    f, w = locate_2d(skin.param, skin.faces[cand], np.array(queries))
    skin_anchor = [("Head", int(cand[fi]), wi) for fi, wi in zip(f, w)]
    out.extend(skin_anchor[:17])
    # brows
    for side, ts in ((0, lm.BROW_T_RIGHT), (1, lm.BROW_T_LEFT)):
        faces = bt.faces[side]
        for t in ts:
            k, frac = _locate_on_curve(bt.t, t)
            out.append((f"Brow{SIDES[side]}", *_row_anchor(faces, brows_ears.N_BROW_COLS, brows_ears.BROW_LANDMARK_ROW, k, frac)))
    out.extend(skin_anchor[nose_idx:])
    # eyes: lid margins
    for side, spec in ((0, lm.EYE_RIGHT), (1, lm.EYE_LEFT)):
        top = tops[side]
        for lid, tau in spec:
            tv = taus[side][0] if lid == "upper" else taus[side][1]
            faces = top.upper_faces if lid == "upper" else top.lower_faces
            k, frac = _locate_on_curve(tv, tau)
            name = f"Eye{SIDES[side]}/{'UpperLid' if lid == 'upper' else 'LowerLid'}"
            out.append((name, *_row_anchor(faces, top.n_cols, eyelids.MARGIN_ROW, k, frac)))
    # lips
    n = mt.n_cols
    up0 = mt.upper.reshape(mouth.N_LIP_ROWS, n, 3)[0] * 1e3
    lo0 = mt.lower.reshape(mouth.N_LIP_ROWS, n, 3)[0] * 1e3
    for lip, y in lm.LIP_OUTER:
        row = up0 if lip == "upper" else lo0
        faces = mt.upper_faces if lip == "upper" else mt.lower_faces
        if abs(abs(y) - sculpt.MOUTH_HALF_WIDTH) < 1e-9:
            k, frac = (0, 0.0) if y < 0 else (n - 2, 1.0)
        else:
            sign = 1.0 if lip == "upper" else -1.0
            k, frac = _locate_on_curve(row[:, 1], y, pick=lambda c, r=row, s=sign: max(
                c, key=lambda kt: s * (r[kt[0], 2] + kt[1] * (r[kt[0] + 1, 2] - r[kt[0], 2]))))
        out.append(("Mouth/UpperLip" if lip == "upper" else "Mouth/LowerLip", *_row_anchor(faces, n, 0, k, frac)))
    for lip, y in lm.LIP_INNER:
        faces = mt.upper_faces if lip == "upper" else mt.lower_faces
        k, frac = _locate_on_curve(mt.stomion_y_mm, y)
        out.append(("Mouth/UpperLip" if lip == "upper" else "Mouth/LowerLip",
                    *_row_anchor(faces, n, mouth.MOUTH_ROW, k, frac)))
    # pupils: the disc's centre vertex
    for side in range(2):
        out.append((f"Eye{SIDES[side]}/Pupil", 0, np.array([1.0, 0.0, 0.0])))
    assert len(out) == 70
    return tuple(out)


# ------------------------------------------------------------------ identity level
@dataclass(frozen=True)
class _IdentityData:
    points: np.ndarray           # (N,3) warped template points, metres
    skin_normals: np.ndarray     # rest normals (no expression) of skin, lips, brows
    upper_normals: np.ndarray
    lower_normals: np.ndarray
    brow_normals: tuple
    ear_normals: tuple
    eye_centres: np.ndarray
    eye_local: eyes.EyeMeshes    # sclera / cornea (pupil-independent parts)
    lid_shapes: tuple
    dims: dict


_ID_CACHE: "OrderedDict[tuple, _IdentityData]" = OrderedDict()
_ID_CACHE_SIZE = 16
_LOCK = Lock()


def _surface_normals(st: _Static, pts: np.ndarray):
    sl = st.slices
    skin_lips = np.concatenate([pts[sl["skin"]], pts[sl["upper_lip"]], pts[sl["lower_lip"]]])
    n_all = vertex_normals(skin_lips, st.skin_lip_faces)
    ns = sl["skin"].stop
    nu = sl["upper_lip"].stop - sl["upper_lip"].start
    n = st.mouth.n_cols
    sn = n_all[:ns]
    un = n_all[ns:ns + nu].copy()
    ln = n_all[ns + nu:].copy()
    ring_u, ring_l = st.skin.mouth_ring
    un[:n] = sn[ring_u]
    ln[:n] = sn[ring_l]
    bn = tuple(vertex_normals(pts[sl[f"brow_{s}"]], st.brows.faces[i]) for i, s in enumerate(SIDES))
    return sn, un, ln, bn


EYE_SKIN_CLEARANCE = 1.6e-3


def _clear_eyes(skin: np.ndarray, centres: np.ndarray, eyeball_radius: float) -> None:
    """Safety net: push skin points (in place) radially out of a sphere slightly larger than
    each eyeball, with a smooth maximum so the skin keeps its tangent continuity."""
    r0 = eyeball_radius + EYE_SKIN_CLEARANCE
    k = 1.0e-3
    for c in centres:
        d = skin - c
        r = np.linalg.norm(d, axis=1)
        near = r < r0 + k
        if not near.any():
            continue
        h = np.clip(0.5 + 0.5 * (r[near] - r0) / k, 0.0, 1.0)
        rn = r0 + (r[near] - r0) * h + k * h * (1.0 - h)
        skin[near] = c + d[near] * (rn / np.maximum(r[near], 1e-9))[:, None]


def _identity_data(identity: Identity) -> _IdentityData:
    key = identity.key()
    with _LOCK:
        hit = _ID_CACHE.get(key)
        if hit is not None:
            _ID_CACHE.move_to_end(key)
            return hit
    st = _static()
    dims = dimensions(identity)
    D = warp.control_displacements(dims) * 1e-3
    # three matrix-vector products: much faster than one narrow matrix product in BLAS here
    pts = st.tpl_points + np.stack([st.W @ D[:, k] for k in range(3)], axis=1)
    # ears scale about their front attachment
    s = dims["ear_size"] / warp.template_dimensions()["ear_size"]
    for i, side in enumerate(SIDES):
        sl = st.slices[f"ear_{side}"]
        pts[sl] += (s - 1.0) * (st.tpl_points[sl] - st.ears.attach[i])
    half = 0.5 * identity.ipd_m
    centres = np.array([[0.0, -half, 0.0], [0.0, half, 0.0]])
    _clear_eyes(pts[st.slices["skin"]], centres, identity.eyeball_radius_m)
    sn, un, ln, bn = _surface_normals(st, pts)
    en = tuple(vertex_normals(pts[st.slices[f"ear_{s}"]], st.ears.faces[i]) for i, s in enumerate(SIDES))
    local = eyes.eye_meshes(identity.eyeball_radius_m, identity.iris_radius_m, 1.0e-3)
    shapes = []
    F = dims["eye_size"] * 1e-3
    tilt = np.radians(dims["canthal_tilt"])
    for i in range(2):
        lateral = -1.0 if i == 0 else 1.0
        zmid = -0.6e-3
        dz = 0.5 * F * np.tan(tilt)
        kl = centres[i] + np.array([eyelids.CANTHUS_X_LATERAL, lateral * 0.455 * F, zmid + dz])
        km = centres[i] + np.array([eyelids.CANTHUS_X_MEDIAL, -lateral * 0.545 * F, zmid - dz])
        shapes.append(eyelids.LidShape(kl, km, dims["eye_aperture"] * 1e-3))
    data = _IdentityData(pts, sn, un, ln, bn, en, centres, local, tuple(shapes), dims)
    with _LOCK:
        _ID_CACHE[key] = data
        while len(_ID_CACHE) > _ID_CACHE_SIZE:
            _ID_CACHE.popitem(last=False)
    return data


# ------------------------------------------------------------------ state level
def _posed_surface(st: _Static, idd: _IdentityData, ex: dict[str, float]):
    """Points and (skin, upper lip, lower lip, brow) normals with the expression applied."""
    lin = [(k, w) for k, w in ex.items() if k in st.fields and w > 0.0]
    jaw_w = expressions.jaw_weight(ex)
    if lin or jaw_w > 0.0:
        pts = idd.points.copy()
        for k, w in lin:
            pts += w * st.fields[k]
        pts = expressions.apply_jaw(pts, st.jaw, jaw_w, pts[st.slices["pivot"]][0])
        return (pts, *_surface_normals(st, pts))
    return idd.points, idd.skin_normals, idd.upper_normals, idd.lower_normals, idd.brow_normals


def _gaze(idd: _IdentityData, state: FaceState, i: int) -> np.ndarray:
    """Unit gaze direction of eye i (head frame) towards the state's target."""
    d = state.gaze_target_head - idd.eye_centres[i]
    nd = np.linalg.norm(d)
    if nd < 1e-3:
        raise ValueError("gaze_target_head is at an eyeball centre")
    return d / nd


def _lids(st: _Static, idd: _IdentityData, identity: Identity, skin_pts: np.ndarray, sn: np.ndarray, i: int,
          R: np.ndarray, closure: float, ex: dict[str, float]):
    up_ids, lo_ids = st.skin.eye_rings[i]
    return eyelids.build_lids(st.lid_topology[i], idd.eye_centres[i], R, identity.eyeball_radius_m,
                              identity.iris_radius_m, skin_pts[up_ids], skin_pts[lo_ids], sn[up_ids], sn[lo_ids],
                              st.lid_tau[i][0], st.lid_tau[i][1], idd.lid_shapes[i],
                              closure, right_eye=(i == 0), lower_raise=expressions.lower_lid_raise(ex))


def eye_apertures(identity: Identity, state: FaceState) -> np.ndarray:
    """build_driver's aperture_mm ([right, left], mm) without building the rest of the head."""
    st, idd, ex = _static(), _identity_data(identity), dict(state.expression)
    pts, sn, *_ = _posed_surface(st, idd, ex)
    skin_pts = pts[st.slices["skin"]]
    return np.array([_lids(st, idd, identity, skin_pts, sn, i, eyes.gaze_rotation(_gaze(idd, state, i)),
                           expressions.lid_closure(float(state.eyelid_closure[i]), ex), ex).aperture * 1e3
                     for i in range(2)])


def build_driver(identity: Identity, state: FaceState) -> DriverGeometry:
    """Meshes, landmarks and eye labels of one driver in one face state (head frame, metres)."""
    st = _static()
    idd = _identity_data(identity)
    sl = st.slices
    ex = dict(state.expression)
    pts, sn, un, ln, bn = _posed_surface(st, idd, ex)

    skin_pts = pts[sl["skin"]]
    parts = [Part("Head", "skin", "skin", skin_pts, st.skin.faces, sn)]
    for i, s in enumerate(SIDES):
        parts.append(Part(f"Ear{s}", "skin", "skin", pts[sl[f"ear_{s}"]], st.ears.faces[i], idd.ear_normals[i]))
    for i, s in enumerate(SIDES):
        parts.append(Part(f"Brow{s}", "eyebrows", "eyebrow", pts[sl[f"brow_{s}"]], st.brows.faces[i], bn[i]))
    upper = pts[sl["upper_lip"]]
    lower = pts[sl["lower_lip"]]
    parts.extend(_hair_parts(st, identity, skin_pts, sn))
    parts.append(Part("Mouth/UpperLip", "lips", "lips", upper, st.mouth.upper_faces, un))
    parts.append(Part("Mouth/LowerLip", "lips", "lips", lower, st.mouth.lower_faces, ln))
    cav = mouth.cavity_points(upper, lower, st.mouth.n_cols, expressions.jaw_rotation(expressions.jaw_weight(ex)),
                              idd.points[sl["upper_lip"]].reshape(mouth.N_LIP_ROWS, st.mouth.n_cols, 3)[-1])
    parts.append(Part("Mouth/Cavity", "skin", "lips", cav, st.mouth.cavity_faces,
                      vertex_normals(cav, st.mouth.cavity_faces)))
    for name, key, material, mesh in (("Mouth/UpperTeeth", "upper_teeth", "teeth", teeth.upper_teeth()),
                                      ("Mouth/LowerTeeth", "lower_teeth", "teeth", teeth.lower_teeth()),
                                      ("Mouth/Tongue", "tongue", "tongue", teeth.tongue())):
        p = pts[sl[key]]
        parts.append(Part(name, "skin", material, p, mesh.faces, vertex_normals(p, mesh.faces)))

    closure = [expressions.lid_closure(float(c), ex) for c in state.eyelid_closure]
    re, ri = identity.eyeball_radius_m, identity.iris_radius_m
    pupil_r = 0.5e-3 * state.pupil_diameter_mm
    pupil_local = eyes.eye_meshes(re, ri, pupil_r)
    gaze_dirs = np.empty((2, 3))
    pupil_centres = np.empty((2, 3))
    aperture = np.empty(2)
    for i, s in enumerate(SIDES):
        c = idd.eye_centres[i]
        g = _gaze(idd, state, i)
        R = eyes.gaze_rotation(g)
        gaze_dirs[i] = g
        pupil_centres[i] = c + g * pupil_local.pupil_x
        for name, sem, mat, (p, f, n) in (("Sclera", "sclera", "sclera", idd.eye_local.sclera),
                                          ("Iris", "iris", "iris", pupil_local.iris),
                                          ("Pupil", "pupil", "pupil", pupil_local.pupil),
                                          ("Cornea", "iris", "cornea", idd.eye_local.cornea)):
            parts.append(Part(f"Eye{s}/{name}", sem, mat, c + p @ R.T, f, n @ R.T))
        lids = _lids(st, idd, identity, skin_pts, sn, i, R, closure[i], ex)
        top = st.lid_topology[i]
        parts.append(Part(f"Eye{s}/UpperLid", "skin", "skin", lids.upper, top.upper_faces, lids.upper_normals))
        parts.append(Part(f"Eye{s}/LowerLid", "skin", "skin", lids.lower, top.lower_faces, lids.lower_normals))
        parts.append(Part(f"Eye{s}/Socket", "skin", "skin", lids.socket, top.socket_faces, lids.socket_normals))
        tear = tear_film.meniscus_points(lids.lower, top.n_cols, c, R, re, ri)
        parts.append(Part(f"Eye{s}/TearMeniscus", "sclera", "tear_film", tear, tear_film.meniscus_faces(i == 0, top.n_cols),
                          tear_film.meniscus_normals(tear, top.n_cols)))
        parts.append(Part(f"Eye{s}/Caruncle", "skin", "caruncle",
                          *tear_film.caruncle(idd.lid_shapes[i].canthus_medial, c)))
        for lid, rows, tau in (("Upper", lids.upper, st.lid_tau[i][0]), ("Lower", lids.lower, st.lid_tau[i][1])):
            margin = rows.reshape(eyelids.N_LID_ROWS, top.n_cols, 3)[eyelids.MARGIN_ROW]
            lp = lashes.lash_points(margin, tau, lid == "Upper", closure[i])
            parts.append(Part(f"Eye{s}/{lid}Lashes", "eyelashes", "eyelash", lp,
                              sheet_faces(lashes.N_LASH_ROWS, top.n_cols), sheet_normals(lp, lashes.N_LASH_ROWS, top.n_cols)))
        aperture[i] = lids.aperture * 1e3

    by_name = {p.name: p for p in parts}
    marks = np.empty((70, 3))
    names = []
    for k, (pname, f, w) in enumerate(st.anchors):
        p = by_name[pname]
        marks[k] = w @ p.points[p.faces[f]]
        names.append(pname)
    return DriverGeometry(parts=tuple(parts), landmarks=marks, landmark_parts=tuple(names),
                          eye_centres=idd.eye_centres.copy(), gaze_dirs=gaze_dirs, pupil_centres=pupil_centres,
                          aperture_mm=aperture, closure=np.array(closure))


def _hair_parts(st: _Static, identity: Identity, skin_pts: np.ndarray, skin_normals: np.ndarray) -> list[Part]:
    """The identity's hair on the current skin: the scalp's and the beard's caps (hair.py) and
    the cards over them (hair_cards.py), the fringe's cards among them."""
    tpl = st.skin.points
    ids = st.scalp.vertex_ids
    off = hair.scalp_offset_mm(tpl[ids], identity.hair_style) * 1e-3
    scalp = skin_pts[ids] + skin_normals[ids] * off[:, None]
    # an offset surface of constant offset has the skin's normals; only the hairline ramp
    # (hidden half under the skin) tilts them a little, so skip recomputing them
    out = [Part("Hair", "hair", "hair", scalp, st.scalp.faces, skin_normals[ids],
                hair.scalp_fibres(tpl[ids], skin_normals[ids]))]
    ids = st.beard.vertex_ids
    off = hair.beard_offset_mm(tpl[ids], identity.facial_hair) * 1e-3
    beard = skin_pts[ids] + skin_normals[ids] * off[:, None]
    out.append(Part("FacialHair", "facial_hair", "facial_hair", beard, st.beard.faces, skin_normals[ids],
                    hair.hanging_fibres(skin_normals[ids])))
    for name, semantic, material, cards in (
            ("HairCards", "hair", "hair_cards", hair_cards.scalp_cards(identity.hair_style)),
            ("HairFringe", "hair", "fringe_cards", hair_cards.fringe_cards(identity.hair_style)),
            ("FacialHairCards", "facial_hair", "facial_hair_cards", hair_cards.beard_cards(identity.facial_hair))):
        out.append(Part(name, semantic, material, hair_cards.place(cards, skin_pts), cards.faces, cards.normals,
                        cards.fibres))
    return out


def reference_identity() -> Identity:
    """A 35-year-old man with every shape z-score at 0 (handy for previews and tests)."""
    return Identity(sex="male", age_years=35.0, skin_type=3, stature_m=1.75, ipd_m=0.064,
                    eyeball_radius_m=0.012, iris_radius_m=0.00585, iris_rgb=(0.095, 0.052, 0.024), shape={})
