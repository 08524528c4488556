"""The embedded renderer: rasterisation with our own shaders through moderngl.

It runs headless on EGL: Mesa's llvmpipe on a CPU-only machine, the GPU's driver
where one exists, with the same shaders. Radiometry (what each pixel receives)
is in the fragment shader; what the sensor makes of it is cabin_synth.sensor.model.
See docs/sensors.md for the light model.
"""

from collections import OrderedDict

import numpy as np

from ..errors import UserError
from ..labels.glints import fit_sphere
from ..scene.materials import RETRO_ANGLE_RAD
from .buffers import Buffers
from .specular import GLSL as SPECULAR_GLSL
from .specular import albedo_table
from .textures import EXPAND, LATLONG_WRAP, MIN_ROUGHNESS_M, MipImage
from .view import SceneView

VERTEX = """
#version 330
uniform mat3 R_cam;       // vehicle -> OpenCV camera
uniform vec3 t_cam;
uniform vec4 intr;        // fx, fy, cx, cy
uniform vec2 size;        // width, height
uniform vec2 near_far;
in vec3 in_pos;
in vec3 in_normal;
in float in_instance;
in float in_occlusion;    // ambient occlusion of the sky 0..1 (cabin_synth.scene.skin)
in vec3 in_fibre;         // hair fibre direction (cabin_synth.render.specular), zero elsewhere
in vec2 in_uv;            // texture coordinates st (textured materials)
in vec4 in_tangent;       // direction of increasing s and handedness (materials with a normal map)
out vec3 v_pos;
out vec3 v_normal;
out float v_zcam;
flat out int v_instance;
out float v_occlusion;
out vec3 v_fibre;
out vec2 v_uv;
out vec4 v_tangent;
void main() {
    vec3 pc = R_cam * in_pos + t_cam;
    // OpenCV pixel (u, v), centres at integers, maps to window (u + 0.5, H - 0.5 - v).
    float n = near_far.x, f = near_far.y;
    gl_Position = vec4(2.0 * (intr.x * pc.x + (intr.z + 0.5) * pc.z) / size.x - pc.z,
                       2.0 * ((size.y - 0.5 - intr.w) * pc.z - intr.y * pc.y) / size.y - pc.z,
                       ((f + n) * pc.z - 2.0 * f * n) / (f - n),
                       pc.z);
    v_pos = in_pos;
    v_normal = in_normal;
    v_zcam = pc.z;
    v_instance = int(in_instance + 0.5);
    v_occlusion = in_occlusion;
    v_fibre = in_fibre;
    v_uv = in_uv;
    v_tangent = in_tangent;
}
"""

# Shared by the shading passes: light uniforms and the shadow/filter lookups.
# Shadow maps store each light's depth of the nearest opaque surface; filter
# maps the product of the transmittances of see-through surfaces in front of it
# (RG: visible, NIR) and the nearest such surface's depth (A).
LIGHTS = """
#version 330
const int MAX_ILL = %(max_ill)d;
const int MAX_LAMP = %(max_lamp)d;
const float PI = 3.14159265358979;
const float SUN_DIAMETER = %(sun_diameter)r;   // rad
const float SUN_BLOCKER_RANGE_M = %(blocker_range)r;   // blockers further away widen the search no more
uniform sampler2D materials;   // rows: (r, g, b, nir rho), (T vis, T nir, retro, F0), (sphere centre, radius), emission (r, g, b, nir),
                               // gloss (Beckmann m, eta, 1 for hair fibres), the sky's specular albedo at 8 n.v nodes (2 rows)
uniform vec3 cam_pos;
uniform vec3 sun_dir;
uniform vec4 daylight;         // sun lux, sky lux, sun NIR W/m^2, sky NIR W/m^2 (in the cabin)
uniform vec3 sky_tint;         // colour of the in-cabin diffuse light, unit luminance
uniform vec4 outdoors;         // the same four on the world outside, before the glass
uniform vec4 road;             // road lights' illuminance per RGB channel (lux), NIR W/m^2
uniform int n_ill;
uniform vec3 ill_pos[MAX_ILL];
uniform vec3 ill_axis[MAX_ILL];
uniform vec2 ill[MAX_ILL];     // radiant intensity W/sr, cos^m exponent
uniform mat3 ill_R[MAX_ILL];   // vehicle -> illuminator shadow frame (rows: right, up, axis)
uniform vec3 ill_map[MAX_ILL]; // 1 / tan(half field of view) in x and y, texel size per metre of depth
uniform mat3 sun_R;            // vehicle -> sun shadow frame (rows: right, up, -sun_dir)
uniform vec3 sun_o;
uniform vec3 sun_map;          // half width, half height, texel size (m)
uniform sampler2D sun_depth;
uniform sampler2D sun_filter;
uniform sampler2D ill_depth;
uniform sampler2D ill_filter;
uniform int use_filters;       // 0: no see-through surface filters any light this frame
uniform int n_tiles;           // shadow tiles: the illuminators', then the lamps that cast shadows'
uniform int n_lamp;
uniform vec3 lamp_pos[MAX_LAMP];
uniform vec3 lamp_axis[MAX_LAMP];
uniform vec4 lamp[MAX_LAMP];   // on-axis luminous intensity per linear RGB channel (cd), NIR radiant intensity (W/sr)
uniform float lamp_exp[MAX_LAMP];
uniform mat3 lamp_R[MAX_LAMP];
uniform vec3 lamp_map[MAX_LAMP];
uniform int lamp_tile[MAX_LAMP];   // shadow tile of each lamp, -1: it casts none
uniform mat3 ill_face_R[MAX_ILL];     // vehicle -> illuminator k's face tile frame (its axis on the face)
uniform vec3 ill_face_map[MAX_ILL];   // that tile's map scales (as ill_map)
uniform int face_tile0;               // its tile for illuminator 0 (k: + k); -1: no face in view

// (visible, NIR) share of the sun that reaches p: 0 in shadow, the filters' product behind glasses.
// The sun is a disc SUN_DIAMETER wide: a blocker at distance d casts a penumbra d * SUN_DIAMETER
// wide (a few mm from the roof's edge, a fraction of a mm from the nose). Percentage-closer
// soft shadows: the mean distance of the blockers found around p sets the width over which
// the map's verdicts are averaged.
vec2 sun_reach(vec3 p, vec3 n);
float slope_texels(vec3 n, vec3 l);
vec2 sun_reach(vec3 p, vec3 n) {
    vec3 q = sun_R * (p + n * slope_texels(n, sun_dir) * sun_map.z - sun_o);
    vec2 t = q.xy / sun_map.xy * 0.5 + 0.5;
    if (any(lessThan(t, vec2(0.0))) || any(greaterThan(t, vec2(1.0)))) return vec2(1.0);
    vec2 texel = sun_map.z / (2.0 * sun_map.xy);            // one texel in map coordinates
    // A receiver slanted to the sun spans about its slope in depth within one texel, and a
    // sample beside p lies nearer the sun by the offset times the slope: allow both
    // (receiver-plane bias) before calling it a blocker.
    float c = clamp(abs(dot(n, sun_dir)), 0.1, 1.0);
    float slope = sqrt(1.0 - c * c) / c;
    float search = 0.5 * SUN_DIAMETER * SUN_BLOCKER_RANGE_M / sun_map.z;   // widest half-penumbra, texels
    float blocked = 0.0, distance_sum = 0.0;
    for (int i = -1; i <= 1; ++i)
        for (int j = -1; j <= 1; ++j) {
            float d = texture(sun_depth, t + vec2(i, j) * search * texel).r;
            float allow = sun_map.z * (1.0 + (1.0 + length(vec2(i, j)) * search) * slope);
            if (q.z > d + allow) { blocked += 1.0; distance_sum += q.z - d; }
        }
    float lit = 1.0;   // no blocker found: the centre sample was among those searched
    if (blocked > 0.0) {
        // At least a texel wide, so that the map's texels do not show as a comb where a
        // shadow edge runs across a surface the sun grazes.
        float radius = max(0.5 * SUN_DIAMETER * distance_sum / blocked / sun_map.z, 1.0);
        lit = 0.0;
        for (int i = -1; i <= 1; ++i)
            for (int j = -1; j <= 1; ++j) {
                float allow = sun_map.z * (1.0 + (1.0 + length(vec2(i, j)) * radius) * slope);
                lit += q.z > texture(sun_depth, t + vec2(i, j) * radius * texel).r + allow ? 0.0 : 1.0 / 9.0;
            }
    }
    if (lit <= 0.0 || use_filters == 0) return vec2(lit);
    vec4 f = texture(sun_filter, t);
    return lit * (q.z > f.a ? f.rg : vec2(1.0));
}

// Normal offset of a shadow lookup, in texels: grows towards grazing light so
// the flat facets of a coarse mesh do not shadow themselves near the terminator.
float slope_texels(vec3 n, vec3 l) {
    float c = clamp(abs(dot(n, l)), 0.05, 1.0);
    return min(1.5 + 2.0 * sqrt(1.0 - c * c) / c, 6.0);
}

// (visible, NIR) share of a point light's output that reaches p, from its
// perspective map in shadow tile `tile` (frame R at `pos`, map scales `map`).
// `fine`: a face tile, whose texels (a quarter of a millimetre) are finer than a
// hair's gaps: half a texel of normal offset, as more would move the lookup out of
// the gap the camera sees skin through and put that skin in the locks' shadow.
vec2 tile_reach(int tile, vec3 pos, mat3 R, vec3 map, vec3 p, vec3 n, bool fine) {
    float texel = max((R * (p - pos)).z, 0.01) * map.z;
    vec3 l = normalize(pos - p);
    vec3 q = R * (p + n * (fine ? 0.5 : slope_texels(n, l)) * texel - pos);
    if (q.z <= 0.01) return vec2(1.0);
    vec2 t = q.xy * map.xy / q.z * 0.5 + 0.5;
    if (any(lessThan(t, vec2(0.0))) || any(greaterThan(t, vec2(1.0)))) return vec2(1.0);
    t.x = (t.x + float(tile)) / float(n_tiles);
    // A surface the light grazes (a dash top or door sill seen from a lamp beside it)
    // spans many depths within one texel: allow its slope (receiver-plane bias), or
    // it shadows itself in stripes.
    float c = clamp(abs(dot(n, l)), 0.05, 1.0);
    float slope = min(sqrt(1.0 - c * c) / c, 10.0);
    if (q.z > texture(ill_depth, t).r + texel * (1.0 + slope)) return vec2(0.0);
    if (use_filters == 0) return vec2(1.0);
    vec4 f = texture(ill_filter, t);
    return q.z > f.a ? f.rg : vec2(1.0);
}

// NIR share of illuminator k that reaches p: from its face tile where p lies in it
// (inside a margin, for the normal offset), else from its map of the cabin.
float ill_reach(int k, vec3 p, vec3 n) {
    if (face_tile0 >= 0) {
        vec3 q = ill_face_R[k] * (p - ill_pos[k]);
        vec2 t = q.xy * ill_face_map[k].xy / max(q.z, 0.01) * 0.5 + 0.5;
        if (q.z > 0.01 && all(greaterThan(t, vec2(0.01))) && all(lessThan(t, vec2(0.99))))
            return tile_reach(face_tile0 + k, ill_pos[k], ill_face_R[k], ill_face_map[k], p, n, true).y;
    }
    return tile_reach(k, ill_pos[k], ill_R[k], ill_map[k], p, n, false).y;
}

// (visible, NIR) share of lamp k's light that reaches p: its shadow tile's, or all of it
// for a lamp that casts no shadows (UsdLux shadow:enable false).
vec2 lamp_shadow(int k, vec3 p, vec3 n) {
    return lamp_tile[k] < 0 ? vec2(1.0) : tile_reach(lamp_tile[k], lamp_pos[k], lamp_R[k], lamp_map[k], p, n, false);
}

// Lamp k's on-axis-normalised irradiance cos^m(theta) cos(incidence) / d^2 at p
// (multiply by its intensities), shadowed and filtered per band: (visible, NIR); the shadow
// lookup offsets along n_shadow, the mesh's own normal where a normal map tilts n.
vec2 lamp_reach(int k, vec3 p, vec3 n, vec3 n_shadow) {
    vec3 to_lamp = lamp_pos[k] - p;
    float d2 = dot(to_lamp, to_lamp);
    vec3 l = to_lamp * inversesqrt(d2);
    float g = pow(max(dot(-l, lamp_axis[k]), 0.0), lamp_exp[k]) * max(dot(n, l), 0.0) / d2;
    if (g <= 0.0) return vec2(0.0);
    return g * lamp_shadow(k, p, n_shadow);
}

// Irradiance (W/m^2) on a surface facing the illuminator, before shadows.
float ill_irradiance(int k, vec3 p, out vec3 l) {
    vec3 to_ill = ill_pos[k] - p;
    float d2 = dot(to_ill, to_ill);
    l = to_ill * inversesqrt(d2);
    return ill[k].x * pow(max(dot(-l, ill_axis[k]), 0.0), ill[k].y) / d2;
}
"""

# An alpha-tested cut-out (UsdPreviewSurface opacityThreshold, render.textures.cut_away): no
# surface where its opacity texture, read at level 0, is below the threshold. Shared by the
# shading pass and the shadow maps, so a strand's gap lets the camera and the light through alike.
CUTOUT = """
uniform sampler2D tex_opacity;
uniform float cutout;          // the threshold; 0: the instance drawn is no cut-out
uniform vec4 cut_scale;
uniform vec4 cut_bias;
uniform int cut_channel;
bool cut_away(vec2 uv) {
    return cutout > 0.0 && (textureLod(tex_opacity, uv, 0.0) * cut_scale + cut_bias)[cut_channel] < cutout;
}
"""

FRAGMENT = """
// The textures of the instance drawn (cabin_synth.render.textures): bit k of tex_on is set when
// input k (TEXTURE_INPUTS: diffuse colour, NIR reflectance, roughness, normal, emission) reads
// its sampler; its value is texel * tex_scale[k] + tex_bias[k], channel tex_channel[k] (-1: rgb).
uniform int tex_on;
uniform sampler2D tex_diffuse;
uniform sampler2D tex_nir;
uniform sampler2D tex_roughness;
uniform sampler2D tex_normal;
uniform sampler2D tex_emission;
uniform vec4 tex_scale[5];
uniform vec4 tex_bias[5];
uniform int tex_channel[5];
in vec2 v_uv;
in vec4 v_tangent;
// The level of detail as the GL specification defines it (log2 of the longer of the pixel's
// steps in texels), not a driver's approximation of it: the numpy reference takes the same.
vec4 tex_value(sampler2D s, int k, vec2 dx, vec2 dy) {
    vec2 size = vec2(textureSize(s, 0));
    float lod = log2(max(length(dx * size), length(dy * size)));
    return textureLod(s, v_uv, lod) * tex_scale[k] + tex_bias[k];
}
vec3 tex_rgb(vec4 value, int k) { return tex_channel[k] < 0 ? value.rgb : vec3(value[tex_channel[k]]); }
float tex_one(vec4 value, int k) { return value[max(tex_channel[k], 0)]; }
uniform float retro_angle;     // 1/e angle of the bright-pupil retro-reflection, rad
in vec3 v_pos;
in vec3 v_normal;
in float v_zcam;
flat in int v_instance;
in float v_occlusion;
in vec3 v_fibre;
layout(location = 0) out vec4 out_radiance;   // linear RGB radiance, NIR radiance
layout(location = 1) out vec4 out_geometry;   // camera Z, instance id, the illuminators' part of the NIR radiance
void main() {
    vec4 m = texelFetch(materials, ivec2(v_instance, 0), 0);
    vec4 optics = texelFetch(materials, ivec2(v_instance, 1), 0);
    vec3 n = normalize(v_normal);
    vec3 v = normalize(cam_pos - v_pos);
    float side = dot(n, v) < 0.0 ? -1.0 : 1.0;       // two-sided: shade the side we see
    vec4 gloss4 = texelFetch(materials, ivec2(v_instance, 4), 0);
    vec3 gloss = gloss4.xyz;
    vec4 glow = texelFetch(materials, ivec2(v_instance, 3), 0);
    // Texture lookups take their level of detail from st's change across the pixel
    // (derivatives taken here, in uniform control flow).
    vec2 uv_dx = dFdx(v_uv), uv_dy = dFdy(v_uv);
    if (cut_away(v_uv)) discard;
    if ((tex_on & 1) != 0) m.rgb = tex_rgb(tex_value(tex_diffuse, 0, uv_dx, uv_dy), 0);
    if ((tex_on & 2) != 0) m.a = tex_one(tex_value(tex_nir, 1, uv_dx, uv_dy), 1);
    if ((tex_on & 4) != 0 && gloss.x > 0.0) {
        float r = tex_one(tex_value(tex_roughness, 2, uv_dx, uv_dy), 2);
        gloss.x = max(r * r, %(min_roughness)r);   // UsdPreviewSurface roughness r: Beckmann m = r^2
    }
    vec3 n_geometric = side * n;                     // shadow lookups keep the mesh's own normal
    if ((tex_on & 8) != 0) {                         // the map tilts the front's normal; the back sees its opposite
        vec3 tn = tex_value(tex_normal, 3, uv_dx, uv_dy).xyz;
        vec3 t_s = v_tangent.xyz - n * dot(n, v_tangent.xyz);
        if (dot(t_s, t_s) > 1e-12) {
            t_s = normalize(t_s);
            n = normalize(tn.x * t_s + tn.y * v_tangent.w * cross(n, t_s) + tn.z * n);
        }
    }
    n *= side;
    if ((tex_on & 16) != 0) glow.rgb = tex_rgb(tex_value(tex_emission, 4, uv_dx, uv_dy), 4);
    out_geometry = vec4(v_zcam, float(v_instance), 0.0, 1.0);
    if (gloss4.w > 0.5) {
        // The world outside (its textures read above, where derivatives are defined): sun
        // and sky in the open, road lights from above; no shadow maps reach it (they cover
        // the cabin) and the cabin's lights do not.
        float up = 0.5 + 0.5 * n.z;
        float sun_out = max(dot(n, sun_dir), 0.0);
        out_radiance = vec4(m.rgb / PI * ((outdoors.x * sun_out + outdoors.y * up) + road.rgb * up),
                            m.a / PI * (outdoors.z * sun_out + outdoors.w * up + road.a * up)) + glow;
        return;
    }
    bool glossy = gloss.x > 0.0 || gloss.z > 0.5;
    float fibre_len = length(v_fibre);   // zero where a hair mesh carries no fibre directions: no sheen
    vec3 t = glossy && gloss.z > 0.5 && fibre_len > 1e-6 ? v_fibre / fibre_len : vec3(0.0);
    float sun = max(dot(n, sun_dir), 0.0);
    // Shadow lookups only where they can change the result (llvmpipe pays per fragment).
    vec2 sun_t = sun > 0.0 && daylight.x + daylight.z > 0.0 ? sun_reach(v_pos, n_geometric) : vec2(0.0);
    float sky = (0.5 + 0.5 * n.z) * (1.0 - v_occlusion);   // share of the upper hemisphere seen, less what the skin blocks
    // Specular radiance per unit of each light's irradiance, white in every band (cabin_synth.render.specular).
    float s_sun = 0.0, s_sky = 0.0, s_ill = 0.0, s_lamp_nir = 0.0;
    vec3 s_lamp = vec3(0.0);
    if (glossy) {
        s_sun = surface_brdf(n, t, sun_dir, v, gloss) * sun;
        s_sky = sky / PI * sky_albedo(dot(n, v), texelFetch(materials, ivec2(v_instance, 5), 0),
                                      texelFetch(materials, ivec2(v_instance, 6), 0));   // zero nodes for hair
    }
    float e_ill = 0.0, retro = 0.0;
    for (int k = 0; k < n_ill; ++k) {
        vec3 l;
        float e = ill_irradiance(k, v_pos, l) * max(dot(n, l), 0.0);
        if (e <= 0.0) continue;
        e *= ill_reach(k, v_pos, n_geometric);
        e_ill += e;
        if (glossy) s_ill += e * surface_brdf(n, t, l, v, gloss);
        if (optics.b > 0.0) {
            float alpha = acos(clamp(dot(l, v), -1.0, 1.0));
            retro += e * exp(-(alpha * alpha) / (retro_angle * retro_angle));
        }
    }
    vec3 e_lamp = vec3(0.0);
    float e_lamp_nir = 0.0;
    for (int k = 0; k < n_lamp; ++k) {
        vec2 g = lamp_reach(k, v_pos, n, n_geometric);
        e_lamp += lamp[k].rgb * g.x;
        e_lamp_nir += lamp[k].a * g.y;
        if (glossy && g.x + g.y > 0.0) {
            float f = surface_brdf(n, t, normalize(lamp_pos[k] - v_pos), v, gloss);
            s_lamp += lamp[k].rgb * g.x * f;
            s_lamp_nir += lamp[k].a * g.y * f;
        }
    }
    vec3 rgb = m.rgb / PI * (daylight.x * sun * sun_t.x + daylight.y * sky * sky_tint + e_lamp)
             + daylight.x * s_sun * sun_t.x + daylight.y * s_sky * sky_tint + s_lamp;
    float nir = m.a / PI * (e_ill + daylight.z * sun * sun_t.y + daylight.w * sky + e_lamp_nir) + optics.b / PI * retro
              + s_ill + daylight.z * s_sun * sun_t.y + daylight.w * s_sky + s_lamp_nir;
    out_radiance = vec4(rgb, nir) + glow;
    out_geometry = vec4(v_zcam, float(v_instance), m.a / PI * e_ill + optics.b / PI * retro + s_ill, 1.0);
}
"""

# Specular reflections of the lights on see-through parts with a refractive index.
# Corneal glints (small spheres), of the illuminators, the sun and lit lamps: a
# mirror sphere of radius R under irradiance E reflects F E R^2 / 4 W/sr in every
# direction (F: Fresnel). The true glint is far below a pixel, so that intensity
# is spread over a Gaussian of GLINT_SIGMA_PX
# pixels around the point whose normal bisects light and view: radiance
# F E / (4 cos(view)) * w(delta), w a unit Gaussian over normal directions.
# Glare on spectacle lenses (other parts, locally flat): the front surface mirrors
# each illuminator into a virtual point source of intensity F I at the unfolded
# distance D; its irradiance F I / D^2 at the camera is spread over the same
# Gaussian in the image around the projection of that virtual source.
GLINT = """
uniform vec4 intr;
uniform mat3 R_cam;
uniform vec3 t_cam;
uniform float glint_sigma_px;
in vec3 v_pos;
in vec3 v_normal;
in float v_zcam;
flat in int v_instance;
layout(location = 0) out vec4 out_radiance;
layout(location = 1) out vec4 out_geometry;
float lobe(vec3 n, vec3 l, vec3 v, float sigma, float F0, float cosv) {
    vec3 h = normalize(l + v);
    float delta = acos(clamp(dot(n, h), -1.0, 1.0));
    float F = F0 + (1.0 - F0) * pow(1.0 - clamp(dot(h, v), 0.0, 1.0), 5.0);
    return F / (4.0 * cosv) * exp(-0.5 * delta * delta / (sigma * sigma)) / (2.0 * PI * sigma * sigma);
}
vec2 pixel_of(vec3 p) {
    vec3 c = R_cam * p + t_cam;
    return vec2(intr.x * c.x / c.z + intr.z, intr.y * c.y / c.z + intr.w);
}
void lens_glare(vec4 optics) {
    vec3 n = normalize(v_normal);
    vec3 v = normalize(cam_pos - v_pos);
    if (dot(n, v) <= 0.0) discard;                   // the front surface of a closed lens
    float two_s2 = 2.0 * glint_sigma_px * glint_sigma_px;
    float nir = 0.0;
    for (int k = 0; k < n_ill; ++k) {
        vec3 l;
        float e = ill_irradiance(k, v_pos, l);        // I(theta) / d^2
        float cos_i = dot(n, l);
        if (e <= 0.0 || cos_i <= 0.0) continue;
        vec3 mirrored = ill_pos[k] - 2.0 * dot(ill_pos[k] - v_pos, n) * n;
        float d_ill = distance(ill_pos[k], v_pos);
        float d = distance(cam_pos, v_pos) + d_ill;
        vec2 delta = pixel_of(v_pos) - pixel_of(mirrored);
        float F = optics.a + (1.0 - optics.a) * pow(1.0 - cos_i, 5.0);
        float g = exp(-dot(delta, delta) / two_s2) / (PI * two_s2);
        nir += F * e * d_ill * d_ill / (d * d) * ill_reach(k, v_pos, n) * intr.x * intr.y * g;
    }
    out_radiance = vec4(0.0, 0.0, 0.0, nir);
    out_geometry = vec4(0.0, 0.0, nir, 0.0);
}
void main() {
    vec4 optics = texelFetch(materials, ivec2(v_instance, 1), 0);
    vec4 sphere = texelFetch(materials, ivec2(v_instance, 2), 0);
    if (sphere.w <= 0.0) { lens_glare(optics); return; }
    vec3 n = normalize(v_pos - sphere.xyz);
    vec3 v = normalize(cam_pos - v_pos);
    float cosv = dot(n, v);
    if (cosv <= 0.0) discard;
    float sigma = glint_sigma_px * v_zcam / (intr.x * sphere.w);   // spread in normal angle, rad
    float nir = 0.0;
    for (int k = 0; k < n_ill; ++k) {
        vec3 l;
        float e = ill_irradiance(k, v_pos, l) * ill_reach(k, v_pos, n);
        nir += e * lobe(n, l, v, sigma, optics.a, cosv);
    }
    float led = nir;
    vec2 sun_t = sun_reach(v_pos, n);
    float s = lobe(n, sun_dir, v, sigma, optics.a, cosv);
    vec3 rgb = vec3(daylight.x * sun_t.x * s);
    for (int k = 0; k < n_lamp; ++k) {
        vec3 to_lamp = lamp_pos[k] - v_pos;
        vec3 l = normalize(to_lamp);
        // Irradiance on a surface facing the lamp, per unit of its on-axis intensity.
        float e = pow(max(dot(-l, lamp_axis[k]), 0.0), lamp_exp[k]) / dot(to_lamp, to_lamp);
        if (e <= 0.0) continue;
        vec2 g = e * lamp_shadow(k, v_pos, n) * lobe(n, l, v, sigma, optics.a, cosv);
        rgb += lamp[k].rgb * g.x;
        nir += lamp[k].a * g.y;
    }
    out_radiance = vec4(rgb, nir + daylight.z * sun_t.y * s);
    out_geometry = vec4(0.0, 0.0, led, 0.0);
}
"""

# See-through surfaces multiply what lies behind them by their transmittance.
FILTER = """
#version 330
uniform sampler2D materials;
flat in int v_instance;
layout(location = 0) out vec4 out_radiance;
layout(location = 1) out vec4 out_geometry;
void main() {
    if (!gl_FrontFacing) discard;
    vec4 optics = texelFetch(materials, ivec2(v_instance, 1), 0);
    out_radiance = vec4(optics.rrr, optics.g);
    out_geometry = vec4(1.0, 1.0, optics.g, 1.0);
}
"""

# What a ray that meets no surface sees: the dome's lat-long textures (UsdLux and OpenEXR
# layout: columns from longitude +pi at the left, rows from +Y down, uploaded as
# cabin_synth.render.textures keeps them, bottom row first, so t = 1 at the zenith) at
# level 0, as render.textures.sample_latlong reads them, and the sun's disc. A full-screen
# triangle at the far plane, drawn where the opaque pass left the depth clear.
SKY_VERTEX = """
#version 330
void main() {
    vec2 p = vec2(gl_VertexID == 1 ? 3.0 : -1.0, gl_VertexID == 2 ? 3.0 : -1.0);
    gl_Position = vec4(p, 1.0, 1.0);
}
"""

SKY = """
#version 330
const float PI = 3.14159265358979;
uniform mat3 R_cam;            // vehicle -> OpenCV camera
uniform vec4 intr;
uniform vec2 size;
uniform mat3 to_dome;          // vehicle -> the dome's frame
uniform sampler2D dome_rgb;    // RGB radiance per unit of dome_scale.x
uniform sampler2D dome_nir;    // NIR radiance per unit of dome_scale.y (grey)
uniform vec2 dome_scale;
uniform vec3 sun_dir;
uniform vec4 outdoors;
uniform float sun_cos;         // cosine of the sun's angular radius
uniform float dome_id;
layout(location = 0) out vec4 out_radiance;
layout(location = 1) out vec4 out_geometry;
void main() {
    vec2 uv = vec2(gl_FragCoord.x - 0.5, size.y - 0.5 - gl_FragCoord.y);   // OpenCV pixel
    vec3 w = normalize(transpose(R_cam) * vec3((uv.x - intr.z) / intr.x, (uv.y - intr.w) / intr.y, 1.0));
    vec3 d = to_dome * w;
    float lat = asin(clamp(d.y, -1.0, 1.0));
    float lon = atan(d.x, d.z);
    vec2 st = vec2((PI - lon) / (2.0 * PI), (0.5 * PI + lat) / PI);
    vec4 L = vec4(textureLod(dome_rgb, st, 0.0).rgb * dome_scale.x, textureLod(dome_nir, st, 0.0).r * dome_scale.y);
    if (dot(w, sun_dir) >= sun_cos) {
        float omega = 2.0 * PI * (1.0 - sun_cos);   // the disc's solid angle
        L += vec4(vec3(outdoors.x), outdoors.z) / omega;
    }
    out_radiance = L;
    out_geometry = vec4(0.0, dome_id, 0.0, 1.0);
}
"""

# Depth of the nearest surface seen from a light, and the filter of see-through
# surfaces in front of it. Perspective (illuminators) or orthographic (the sun).
SHADOW_VERTEX = """
#version 330
uniform mat3 L_R;
uniform vec3 L_o;
uniform vec4 L_proj;   // perspective: (1/tan, 1/tan, 1, far); orthographic: (1/half w, 1/half h, 0, half depth)
in vec3 in_pos;
in float in_instance;
in vec2 in_uv;
out float v_depth;
flat out int v_instance;
out vec2 v_uv;
void main() {
    vec3 q = L_R * (in_pos - L_o);
    v_depth = q.z;
    v_uv = in_uv;
    v_instance = int(in_instance + 0.5);
    if (L_proj.z > 0.5) {
        float n = 0.01, f = L_proj.w;
        gl_Position = vec4(q.x * L_proj.x, q.y * L_proj.y, ((f + n) * q.z - 2.0 * f * n) / (f - n), q.z);
    } else {
        gl_Position = vec4(q.x * L_proj.x, q.y * L_proj.y, q.z / L_proj.w, 1.0);
    }
}
"""

SHADOW_DEPTH = """
#version 330
""" + CUTOUT + """
in float v_depth;
in vec2 v_uv;
out vec4 out_depth;
void main() {
    if (cut_away(v_uv)) discard;
    out_depth = vec4(v_depth);
}
"""

SHADOW_FILTER = """
#version 330
uniform sampler2D materials;
in float v_depth;
flat in int v_instance;
out vec4 out_filter;
void main() {
    if (!gl_FrontFacing) discard;
    vec4 optics = texelFetch(materials, ivec2(v_instance, 1), 0);
    out_filter = vec4(optics.r, optics.g, 1.0, v_depth);   // RGB multiply, A keeps the minimum
}
"""

MAX_ILLUMINATORS = 8
MAX_LAMPS = 3   # the dome lamp and the two screens
# A lamp on the headliner sees a seated driver's eyes 51-70 degrees off its axis
# (1.55-1.95 m statures, docs/sensors.md): its map reaches 72 degrees (tangent 3),
# where its Lambertian beam still has 0.32 of its peak. Wider costs texel size.
LAMP_MAX_TAN = 3.0
# Texels: about 2 mm over a 3 m cabin for the sun, below 1 mm at the face for
# an illuminator (its map is fitted to what the camera sees). Larger maps cost
# more than the rest of the render on llvmpipe (docs/sensors.md).
SUN_SHADOW_PX = 1536
ILL_SHADOW_PX = 1024
# Shadow maps cover the receivers: surfaces the camera sees within this distance (the cabin).
SHADOW_RANGE_M = 3.0
# Each illuminator has a second tile over the driver's face (its brows, eyes and lips,
# FACE_MARGIN times their reach from their middle each way: brow ridge to chin, a
# fringe's tips included):
# about 0.2 mm a texel where the cabin's map has 0.7 mm. A fringe's gaps are finer than
# that map: the camera saw skin through a gap whose light the map's texel called
# blocked, and 28 % of the skin seen between a fringe's locks rendered black (seed 11
# frame 132, against rays cast from the skin to the illuminator).
FACE_CLASSES = ("eyebrows", "eyelashes", "iris", "lips", "pupil", "sclera")
FACE_MARGIN = 1.6
GLINT_SIGMA_PX = 0.5
# The sun's angular diameter (0.53 degrees) and the farthest blocker whose penumbra is
# searched for (the cabin: roof edge, pillars, visor).
SUN_DIAMETER_RAD = float(np.radians(0.53))
SUN_BLOCKER_RANGE_M = 1.5
# A see-through part shows glints when it is a small sphere (the cornea): the
# glint model needs the light and camera to be many radii away.
GLINT_MAX_RADIUS_M = 0.02

EGL_PACKAGES = "libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1"

# Textured inputs in the fragment shader's order (bit k of tex_on), their samplers, and the
# first texture unit they take (units 0-4 hold the material table and the shadow maps); the
# sky pass, drawn after the opaque parts, binds the dome's two files to the first two.
TEXTURE_INPUTS = (("diffuseColor", "tex_diffuse"), ("nir", "tex_nir"), ("roughness", "tex_roughness"),
                  ("normal", "tex_normal"), ("emissiveColor", "tex_emission"))
TEXTURE_UNIT = 5
CUTOUT_UNIT = TEXTURE_UNIT + len(TEXTURE_INPUTS)
# GL textures kept between frames (one per texture file and colour space): more than a frame
# reads (about 35 on the default preset: render.textures), so none is uploaded twice in a row.
TEXTURE_CACHE = 64


class GLTextures:
    """Texture files uploaded once each, with the levels of cabin_synth.render.textures
    (so GL filters the numbers the reference renderer filters), and the samplers of their wraps."""

    def __init__(self, ctx):
        self.ctx = ctx
        self._textures: "OrderedDict[str, object]" = OrderedDict()
        self._samplers: dict[tuple[str, str], object] = {}

    def texture(self, image: MipImage):
        tex = self._textures.get(image.key)
        if tex is None:
            levels = image.levels
            tex = self.ctx.texture(image.size, image.channels, levels[0].tobytes(), dtype="f2")
            # read as UsdPreviewSurface reads the file's channels (render.textures.EXPAND)
            tex.swizzle = "".join("RGBA"[k] if k >= 0 else "1" for k in EXPAND[image.channels])
            tex.build_mipmaps()            # allocates every level ...
            for k, level in enumerate(levels[1:], 1):
                tex.write(level.tobytes(), level=k)   # ... which take our own reductions
            self._textures[image.key] = tex
            while len(self._textures) > TEXTURE_CACHE:
                self._textures.popitem(last=False)[1].release()
        self._textures.move_to_end(image.key)
        return tex

    def sampler(self, wrap: tuple[str, str]):
        if wrap not in self._samplers:
            ctx = self.ctx
            black = {"border_color": (0.0, 0.0, 0.0, 0.0)} if "black" in wrap else {}
            self._samplers[wrap] = ctx.sampler(repeat_x=wrap[0] == "repeat", repeat_y=wrap[1] == "repeat",
                                               filter=(ctx.LINEAR_MIPMAP_LINEAR, ctx.LINEAR), **black)
        return self._samplers[wrap]

    def bind(self, program, bindings: dict) -> None:
        """Bind an instance's textures to their units and set the shader's texture uniforms."""
        on, scale, bias, channel = 0, np.ones((5, 4), np.float32), np.zeros((5, 4), np.float32), np.full(5, -1, np.int32)
        for k, (name, sampler) in enumerate(TEXTURE_INPUTS):
            program[sampler].value = TEXTURE_UNIT + k
            binding = bindings.get(name)
            if binding is None:
                continue
            on |= 1 << k
            self.texture(binding.image).use(TEXTURE_UNIT + k)
            self.sampler(binding.wrap).use(TEXTURE_UNIT + k)
            scale[k], bias[k] = binding.scale, binding.bias
            channel[k] = -1 if len(binding.channels) == 3 else binding.channels[0]
        program["tex_on"].value = on
        program["tex_scale"].write(scale.tobytes())
        program["tex_bias"].write(bias.tobytes())
        program["tex_channel"].write(channel.tobytes())

    def bind_cutout(self, program, instance=None) -> None:
        """Bind an instance's opacity texture as a cut-out (CUTOUT); None or no cut-out: none."""
        binding = instance.cutout if instance is not None else None
        program["tex_opacity"].value = CUTOUT_UNIT
        program["cutout"].value = instance.material.opacity_threshold if binding is not None else 0.0
        if binding is None:
            return
        self.texture(binding.image).use(CUTOUT_UNIT)
        self.sampler(binding.wrap).use(CUTOUT_UNIT)
        program["cut_scale"].value = tuple(binding.scale)
        program["cut_bias"].value = tuple(binding.bias)
        program["cut_channel"].value = binding.channels[0]


def create_context():
    import moderngl

    try:
        return moderngl.create_standalone_context(backend="egl")
    except Exception as exc:  # moderngl raises plain Exceptions from its C loader
        raise UserError(
            f"cannot create a headless OpenGL context through EGL ({exc}). "
            f"Install Mesa's EGL drivers: apt-get install {EGL_PACKAGES}") from None


def _frame_rows(forward: np.ndarray) -> np.ndarray:
    """Rows (right, up, forward) of an orthonormal frame looking along `forward`."""
    f = forward / np.linalg.norm(forward)
    helper = np.array([0.0, 0.0, 1.0]) if abs(f[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    r = np.cross(helper, f)
    r /= np.linalg.norm(r)
    return np.stack([r, np.cross(f, r), f])


def _mat3(R: np.ndarray) -> tuple:
    return tuple(np.asarray(R, float).T.ravel())   # GLSL mat3 is column-major


def material_table(view: SceneView) -> np.ndarray:
    """(7, instances + 1, 4) float32: per instance id the rows the shaders read."""
    table = np.zeros((7, len(view.instances) + 1, 4), np.float32)
    for inst in view.instances:
        m = inst.material
        f0 = ((m.ior - 1.0) / (m.ior + 1.0)) ** 2 if m.ior > 0 else 0.0
        table[0, inst.id] = (*m.albedo_rgb, m.nir(view.wavelength_nm))
        table[1, inst.id] = (m.transmittance_visible, m.nir_transmittance(view.wavelength_nm), m.retroreflectance, f0)
        table[3, inst.id] = (*m.emission_rgb, m.emission_nir)
        if m.glossy:
            table[4, inst.id, :2] = (m.roughness, m.ior)
            table[5:7, inst.id] = albedo_table(m.ior, m.roughness).reshape(2, 4)
        elif m.fibre:   # the fibres' sheen of the sky is left out (docs/sensors.md)
            table[4, inst.id, 1:3] = (m.ior, 1.0)
        table[4, inst.id, 3] = float(inst.semantic == "exterior")
    return table


def specular_parts(view: SceneView, table: np.ndarray) -> tuple[list[int], list[int]]:
    """Ids of see-through parts with a refractive index: (small spheres, whose
    sphere goes into row 2 of `table` for corneal glints; the rest, lenses, whose
    row 2 stays zero for the flat-mirror glare model)."""
    spheres, flat = [], []
    for inst in view.instances:
        if inst.material.opacity < 1.0 and inst.material.ior > 0:
            centre, radius, rms = fit_sphere(view.positions[view.instance_ids == inst.id])
            if radius < GLINT_MAX_RADIUS_M and rms < 1e-3 * radius:
                table[2, inst.id] = (*centre, radius)
                spheres.append(inst.id)
            else:
                flat.append(inst.id)
    return spheres, flat


class GLRenderer:
    """Owns one EGL context; render() may be called for any SceneView size."""

    def __init__(self):
        self.ctx = ctx = create_context()
        lights = LIGHTS % {"max_ill": MAX_ILLUMINATORS, "max_lamp": MAX_LAMPS, "sun_diameter": SUN_DIAMETER_RAD,
                           "blocker_range": SUN_BLOCKER_RANGE_M}
        self.program = ctx.program(vertex_shader=VERTEX, fragment_shader=lights + SPECULAR_GLSL + CUTOUT
                                   + FRAGMENT % {"min_roughness": MIN_ROUGHNESS_M})
        self.glint_program = ctx.program(vertex_shader=VERTEX, fragment_shader=lights + GLINT)
        self.filter_program = ctx.program(vertex_shader=VERTEX, fragment_shader=FILTER)
        self.sky_program = ctx.program(vertex_shader=SKY_VERTEX, fragment_shader=SKY)
        self._sky_vao = ctx.vertex_array(self.sky_program, [])
        self.shadow_depth = ctx.program(vertex_shader=SHADOW_VERTEX, fragment_shader=SHADOW_DEPTH)
        self.shadow_filter = ctx.program(vertex_shader=SHADOW_VERTEX, fragment_shader=SHADOW_FILTER)
        self._fbo = None
        self._size = None
        self._sun = self._shadow_target(SUN_SHADOW_PX, SUN_SHADOW_PX)
        self._ill = None
        self._ill_count = 0
        self._textures = GLTextures(ctx)

    def close(self) -> None:
        """Release the GL context and everything made in it (moderngl frees nothing on garbage
        collection: a process that makes many renderers, as a test run does, would keep them all)."""
        self.ctx.release()

    def describe(self) -> dict[str, str]:
        """What draws the pixels (dataset.json's software): llvmpipe and a GPU differ in the last bits."""
        from importlib.metadata import version

        info = self.ctx.info
        return {"name": "gl", "moderngl": version("moderngl"), "gl_vendor": info["GL_VENDOR"],
                "gl_renderer": info["GL_RENDERER"], "gl_version": info["GL_VERSION"]}

    def _framebuffer(self, width: int, height: int):
        if self._size != (width, height):
            if self._fbo is not None:
                self._fbo.release()
            ctx = self.ctx
            self._colors = [ctx.texture((width, height), 4, dtype="f4") for _ in range(2)]
            self._depth = ctx.depth_renderbuffer((width, height))
            self._fbo = ctx.framebuffer(color_attachments=self._colors, depth_attachment=self._depth)
            self._size = (width, height)
        return self._fbo

    def _shadow_target(self, width: int, height: int) -> dict:
        """Depth and filter textures sharing one depth buffer, as two framebuffers."""
        ctx = self.ctx
        depth_tex, filter_tex = ctx.texture((width, height), 1, dtype="f4"), ctx.texture((width, height), 4, dtype="f4")
        for tex in (depth_tex, filter_tex):
            tex.filter = (ctx.NEAREST, ctx.NEAREST)
        zbuf = ctx.depth_renderbuffer((width, height))
        return {"depth": depth_tex, "filter": filter_tex, "zbuf": zbuf,
                "depth_fbo": ctx.framebuffer(color_attachments=[depth_tex], depth_attachment=zbuf),
                "filter_fbo": ctx.framebuffer(color_attachments=[filter_tex], depth_attachment=zbuf)}

    def _shadow_pass(self, target: dict, viewport: tuple, L_R: np.ndarray, L_o: np.ndarray, L_proj: tuple,
                     casters: list, see_through) -> None:
        """casters: (vertex array, the cut-out instance it draws or None) of the opaque parts."""
        ctx = self.ctx
        for prog in (self.shadow_depth, self.shadow_filter):
            prog["L_R"].value, prog["L_o"].value, prog["L_proj"].value = _mat3(L_R), tuple(L_o), L_proj
        target["depth_fbo"].use()
        target["depth_fbo"].viewport = viewport
        target["depth_fbo"].depth_mask = True
        ctx.disable(ctx.BLEND)
        for caster, instance in casters:
            self._textures.bind_cutout(self.shadow_depth, instance)
            caster.render()
        if see_through is not None:
            target["filter_fbo"].use()
            target["filter_fbo"].viewport = viewport
            target["filter_fbo"].depth_mask = False
            ctx.enable(ctx.BLEND)
            ctx.blend_equation = (ctx.FUNC_ADD, ctx.MIN)
            ctx.blend_func = (ctx.ZERO, ctx.SRC_COLOR, ctx.ONE, ctx.ONE)
            see_through.render()
            ctx.blend_equation = ctx.FUNC_ADD
            ctx.disable(ctx.BLEND)

    @staticmethod
    def _receivers(view: SceneView, cabin: np.ndarray) -> np.ndarray:
        """Vertices of the cabin (mask over the view's vertices) the camera may see within
        SHADOW_RANGE_M (all of them if none)."""
        cam = view.camera
        pc = cam.to_camera(view.positions[cabin].astype(np.float64))
        z = np.where(pc[:, 2] > cam.near_m, pc[:, 2], np.inf)
        uv = np.stack([cam.fx * pc[:, 0] / z + cam.cx, cam.fy * pc[:, 1] / z + cam.cy], axis=1)
        seen = (pc[:, 2] > cam.near_m) & (pc[:, 2] < SHADOW_RANGE_M) & cam.in_image(uv)
        return view.positions[cabin][seen if seen.any() else slice(None)].astype(np.float64)

    @staticmethod
    def _ill_frustum(R: np.ndarray, position: np.ndarray, receivers: np.ndarray,
                     max_tan: float = 2.0, margin: float = 1.02) -> tuple[float, float, float]:
        """(1/tan half-FOV x, y, texel per metre of depth) of a perspective map fitted to the receivers."""
        q = (receivers - position) @ R.T
        ahead = q[q[:, 2] > 0.01]
        # Tangents over 2 (63 degrees) are cut: the cos^m beam is weak out there.
        tan = np.clip(np.abs(ahead[:, :2] / ahead[:, 2:3]).max(axis=0) * margin if len(ahead) else [1.0, 1.0], 0.05, max_tan)
        return 1.0 / tan[0], 1.0 / tan[1], 2.0 * float(tan.max()) / ILL_SHADOW_PX

    def _sun_frame(self, casters: np.ndarray, sun_direction: np.ndarray,
                   receivers: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple, tuple]:
        """Orthographic sun view fitted to the receivers, deep enough for every caster."""
        R = _frame_rows(-sun_direction)
        q = casters.astype(np.float64) @ R.T
        receivers = receivers @ R.T
        lo, hi = receivers.min(axis=0), receivers.max(axis=0)
        zlo, zhi = q[:, 2].min(), q[:, 2].max()
        centre = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (zlo + zhi) / 2])
        half = np.maximum([(hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2, (zhi - zlo) / 2], 1e-3) * 1.01
        origin = R.T @ centre
        texel = 2.0 * max(half[0], half[1]) / SUN_SHADOW_PX
        return R, origin, (1.0 / half[0], 1.0 / half[1], 0.0, half[2]), (half[0], half[1], texel)

    def _draw_sky(self, view: SceneView) -> None:
        """The dome where the opaque pass left the far plane (its files uploaded once, as
        every texture is)."""
        ctx, dome, prog = self.ctx, view.dome, self.sky_program
        for k, (name, image) in enumerate((("dome_rgb", dome.rgb), ("dome_nir", dome.nir))):
            self._textures.texture(image).use(TEXTURE_UNIT + k)
            self._textures.sampler(LATLONG_WRAP).use(TEXTURE_UNIT + k)
            prog[name].value = TEXTURE_UNIT + k
        prog["dome_scale"].value = (dome.rgb_scale, dome.nir_scale)
        prog["to_dome"].value = _mat3(dome.to_dome)
        prog["dome_id"].value = float(dome.id)
        ctx.depth_func = "<="
        self._sky_vao.render(vertices=3)
        ctx.depth_func = "<"

    def render(self, view: SceneView, stage=None, sampling_seed: int = 0) -> Buffers:
        """The view alone: a rasteriser needs neither the stage nor a sampling seed
        (the renderer interface, render/__init__.py)."""
        # A process may hold several renderers: make this one's context current.
        with self.ctx:
            return self._render(view)

    def _render(self, view: SceneView) -> Buffers:
        cam = view.camera
        ctx = self.ctx
        n_ill = len(view.illuminators)
        if not 1 <= n_ill <= MAX_ILLUMINATORS:
            raise UserError(f"the renderer takes 1 to {MAX_ILLUMINATORS} illuminators, got {n_ill}")
        n_lamp = len(view.lamps)
        if n_lamp > MAX_LAMPS:
            raise UserError(f"the renderer takes at most {MAX_LAMPS} lit cabin lamps, got {n_lamp}")
        shadowed = [k for k, lamp in enumerate(view.lamps) if lamp.shadows]
        face = np.isin(view.instance_ids, [inst.id for inst in view.instances if inst.semantic in FACE_CLASSES])
        face_tile0 = n_ill + len(shadowed) if face.any() else -1
        n_tiles = n_ill + len(shadowed) + (n_ill if face.any() else 0)
        table = material_table(view)
        spheres, lenses = specular_parts(view, table)
        tri_id = view.instance_ids[view.triangles[:, 0]]
        opacity = np.array([1.0] + [inst.material.opacity for inst in view.instances])
        filters = np.array([False] + [inst.material.opacity < 1.0 and min(
            inst.material.transmittance_visible, inst.material.nir_transmittance(view.wavelength_nm)) < 1.0
            for inst in view.instances])
        # Cabin glazing filters no light in the maps: its transmittance is in the
        # daylight figures (scene/lighting.py), and the illuminators light nothing beyond it.
        window = np.array([False] + [inst.semantic == "window" for inst in view.instances])
        # The world outside casts no shadow into the maps: they cover the cabin (docs/sensors.md).
        outside = np.array([False] + [inst.semantic == "exterior" for inst in view.instances])
        textured = [inst for inst in view.instances if inst.textures and inst.material.opacity >= 1.0]
        # Cut-outs cast shadows through their own gaps: each drawn alone with its opacity texture.
        cutouts = [inst for inst in textured if inst.cutout is not None]
        groups = {
            "caster": (opacity[tri_id] >= 1.0) & ~outside[tri_id] & ~np.isin(tri_id, [inst.id for inst in cutouts]),
            **{("caster", inst.id): tri_id == inst.id for inst in cutouts},
            "plain": (opacity[tri_id] >= 1.0) & ~np.isin(tri_id, [inst.id for inst in textured]),
            **{inst.id: tri_id == inst.id for inst in textured},
            "filter": filters[tri_id],
            "light_filter": filters[tri_id] & ~window[tri_id],
            "glint": np.isin(tri_id, spheres),
            "glare": np.isin(tri_id, lenses),
        }
        materials = ctx.texture((table.shape[1], table.shape[0]), 4, table.tobytes(), dtype="f4")
        materials.filter = (ctx.NEAREST, ctx.NEAREST)
        occlusion = view.occlusion if view.occlusion is not None else np.zeros(len(view.positions), np.float32)
        fibres = view.fibres if view.fibres is not None else np.zeros((len(view.positions), 3), np.float32)
        uv = view.uv if view.uv is not None else np.zeros((len(view.positions), 2), np.float32)
        tangents = view.tangents if view.tangents is not None else np.zeros((len(view.positions), 4), np.float32)
        vertices = np.concatenate([view.positions, view.normals, view.instance_ids[:, None].astype(np.float32),
                                   occlusion[:, None], fibres, uv, tangents], axis=1).astype(np.float32)
        vbo = ctx.buffer(vertices.tobytes())
        released = [vbo, materials]

        def vao(prog, group):
            tris = view.triangles[groups[group]]
            if len(tris) == 0:
                return None
            ibo = ctx.buffer(tris.astype(np.int32).tobytes())
            # The linker drops attributes a program does not read; skip their bytes.
            attributes = {"in_pos": "3f", "in_normal": "3f", "in_instance": "1f", "in_occlusion": "1f",
                          "in_fibre": "3f", "in_uv": "2f", "in_tangent": "4f"}
            names = [n for n in attributes if n in prog]
            fmt = " ".join(f if n in names else f"{4 * int(f[0])}x" for n, f in attributes.items())
            v = ctx.vertex_array(prog, [(vbo, fmt, *names)], index_buffer=ibo, index_element_size=4)
            released.extend([v, ibo])
            return v

        materials.use(0)
        for prog in (self.program, self.glint_program, self.filter_program, self.shadow_filter):
            prog["materials"].value = 0

        # Shadow and filter maps: the sun (orthographic), then each illuminator and each lit lamp in its tile.
        ctx.enable(ctx.DEPTH_TEST)
        ctx.disable(ctx.CULL_FACE)
        casters = [(vao(self.shadow_depth, "caster"), None)]
        casters += [(vao(self.shadow_depth, ("caster", inst.id)), inst) for inst in cutouts]
        shadow_opaque = [(v, inst) for v, inst in casters if v is not None]
        for key in ("depth_fbo", "filter_fbo"):
            self._sun[key].viewport = (0, 0, SUN_SHADOW_PX, SUN_SHADOW_PX)
        light_filter = vao(self.shadow_filter, "light_filter")
        self._sun["depth_fbo"].clear(1e30, 1e30, 1e30, 1e30, depth=1.0)
        if light_filter is not None:
            self._sun["filter_fbo"].clear(1.0, 1.0, 1.0, 1e30)
        receivers = self._receivers(view, ~outside[view.instance_ids])
        sun_R, sun_o, sun_proj, sun_map = self._sun_frame(view.positions[~outside[view.instance_ids]], view.sun_direction,
                                                          receivers)
        self._shadow_pass(self._sun, (0, 0, SUN_SHADOW_PX, SUN_SHADOW_PX), sun_R, sun_o, sun_proj,
                          shadow_opaque, light_filter)
        if self._ill_count != n_tiles:
            for obj in (self._ill or {}).values():
                obj.release()
            self._ill = self._shadow_target(ILL_SHADOW_PX * n_tiles, ILL_SHADOW_PX)
            self._ill_count = n_tiles
        for key in ("depth_fbo", "filter_fbo"):
            self._ill[key].viewport = (0, 0, ILL_SHADOW_PX * n_tiles, ILL_SHADOW_PX)
        self._ill["depth_fbo"].clear(1e30, 1e30, 1e30, 1e30, depth=1.0)
        if light_filter is not None:
            self._ill["filter_fbo"].clear(1.0, 1.0, 1.0, 1e30)
        ill_R = [_frame_rows(ill.axis) for ill in view.illuminators]
        ill_map = [self._ill_frustum(R, ill.position, receivers) for R, ill in zip(ill_R, view.illuminators)]
        lamp_R = [_frame_rows(lamp.axis) for lamp in view.lamps]
        lamp_map = [self._ill_frustum(R, lamp.position, receivers, LAMP_MAX_TAN) for R, lamp in zip(lamp_R, view.lamps)]
        points = [(ill.position, R, m) for ill, R, m in zip(view.illuminators, ill_R, ill_map)]
        points += [(view.lamps[k].position, lamp_R[k], lamp_map[k]) for k in shadowed]
        face_points = view.positions[face].astype(np.float64)
        face_R = [_frame_rows(face_points.mean(axis=0) - ill.position) for ill in view.illuminators] if face.any() else []
        face_map = [self._ill_frustum(R, ill.position, face_points, margin=FACE_MARGIN)
                    for R, ill in zip(face_R, view.illuminators)]
        points += [(ill.position, R, m) for ill, R, m in zip(view.illuminators, face_R, face_map)]
        for k, (position, R, m) in enumerate(points):
            self._shadow_pass(self._ill, (k * ILL_SHADOW_PX, 0, ILL_SHADOW_PX, ILL_SHADOW_PX), R,
                              position, (m[0], m[1], 1.0, cam.far_m), shadow_opaque, light_filter)

        out = view.outdoors
        outdoors = (out.sun_lux, out.sky_lux, out.sun_nir_w_m2, out.sky_nir_w_m2) if out is not None else (0.0,) * 4
        road = (*(float(c) for c in out.road_rgb_lux), out.road_nir_w_m2) if out is not None else (0.0,) * 4
        pad = lambda rows, width, size=MAX_ILLUMINATORS: np.concatenate(
            [np.asarray(rows, np.float32).reshape(len(rows), width),
             np.zeros((size - len(rows), width), np.float32)]).tobytes()
        uniforms = {
            "R_cam": _mat3(cam.R_cam_vehicle), "t_cam": tuple(cam.t_cam_vehicle),
            "intr": (cam.fx, cam.fy, cam.cx, cam.cy), "size": (cam.width, cam.height),
            "near_far": (cam.near_m, cam.far_m),
            "cam_pos": tuple(cam.position), "sun_dir": tuple(view.sun_direction),
            "daylight": (view.sun_lux, view.sky_lux, view.sun_nir_w_m2, view.sky_nir_w_m2),
            "sky_tint": tuple(float(c) for c in view.sky_rgb), "outdoors": outdoors, "road": road,
            "sun_cos": float(np.cos(SUN_DIAMETER_RAD / 2)),
            "n_ill": n_ill, "face_tile0": face_tile0, "use_filters": int(light_filter is not None), "n_tiles": n_tiles, "n_lamp": n_lamp,
            "sun_R": _mat3(sun_R), "sun_o": tuple(sun_o), "sun_map": sun_map,
            "retro_angle": RETRO_ANGLE_RAD, "glint_sigma_px": GLINT_SIGMA_PX,
            "sun_depth": 1, "sun_filter": 2, "ill_depth": 3, "ill_filter": 4,
        }
        arrays = {
            "ill_pos": pad([ill.position for ill in view.illuminators], 3),
            "ill_axis": pad([ill.axis for ill in view.illuminators], 3),
            "ill": pad([(ill.w_sr, ill.exponent) for ill in view.illuminators], 2),
            "ill_R": pad([np.asarray(R, float).T.ravel() for R in ill_R], 9),
            "ill_map": pad(ill_map, 3),
            "ill_face_R": pad([np.asarray(R, float).T.ravel() for R in face_R], 9),
            "ill_face_map": pad(face_map, 3),
            "lamp_pos": pad([lamp.position for lamp in view.lamps], 3, MAX_LAMPS),
            "lamp_axis": pad([lamp.axis for lamp in view.lamps], 3, MAX_LAMPS),
            "lamp": pad([(*lamp.rgb_cd, lamp.nir_w_sr) for lamp in view.lamps], 4, MAX_LAMPS),
            "lamp_exp": pad([[lamp.exponent] for lamp in view.lamps], 1, MAX_LAMPS),
            "lamp_R": pad([np.asarray(R, float).T.ravel() for R in lamp_R], 9, MAX_LAMPS),
            "lamp_map": pad(lamp_map, 3, MAX_LAMPS),
            "lamp_tile": np.array([n_ill + shadowed.index(k) if k in shadowed else -1 for k in range(len(view.lamps))]
                                  + [-1] * (MAX_LAMPS - len(view.lamps)), np.int32).tobytes(),
        }
        for prog in (self.program, self.glint_program, self.filter_program, self.sky_program):
            for name, value in uniforms.items():
                if name in prog:
                    prog[name].value = value
            for name, data in arrays.items():
                if name in prog:
                    prog[name].write(data)
        for unit, tex in enumerate((self._sun["depth"], self._sun["filter"], self._ill["depth"], self._ill["filter"]), 1):
            tex.use(unit)

        fbo = self._framebuffer(cam.width, cam.height)
        fbo.use()
        fbo.viewport = (0, 0, cam.width, cam.height)
        fbo.depth_mask = True
        fbo.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        # Untextured opaque parts in one draw, then each textured part with its textures bound.
        self.program["tex_on"].value = 0
        self._textures.bind_cutout(self.program)
        plain = vao(self.program, "plain")
        if plain is not None:
            plain.render()
        for inst in textured:
            self._textures.bind(self.program, inst.textures)
            self._textures.bind_cutout(self.program, inst)
            vao(self.program, inst.id).render()
        if view.dome is not None:
            self._draw_sky(view)
        # See-through passes: test against the opaque depth, never write it.
        fbo.depth_mask = False
        ctx.enable(ctx.BLEND)
        glint = vao(self.glint_program, "glint")
        if glint is not None:
            ctx.blend_func = (ctx.ONE, ctx.ONE)
            glint.render()
        see_through = vao(self.filter_program, "filter")
        if see_through is not None:
            ctx.blend_func = (ctx.ZERO, ctx.SRC_COLOR)
            see_through.render()
        # Glare sits on the lens's front surface: added after the lens filtered what lies behind it.
        glare = vao(self.glint_program, "glare")
        if glare is not None:
            ctx.blend_func = (ctx.ONE, ctx.ONE)
            glare.render()
        ctx.disable(ctx.BLEND)
        fbo.depth_mask = True
        shape = (cam.height, cam.width, 4)
        radiance = np.frombuffer(fbo.read(attachment=0, components=4, dtype="f4"), np.float32).reshape(shape)[::-1]
        geometry = np.frombuffer(fbo.read(attachment=1, components=4, dtype="f4"), np.float32).reshape(shape)[::-1]
        for obj in released:
            obj.release()
        return Buffers(
            rgb=np.ascontiguousarray(radiance[..., :3]),
            nir=np.ascontiguousarray(radiance[..., 3]),
            depth=np.ascontiguousarray(geometry[..., 0]),
            instance=np.rint(geometry[..., 1]).astype(np.int32),
            nir_illuminators=np.ascontiguousarray(geometry[..., 2]),
        )
