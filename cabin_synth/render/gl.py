"""The embedded renderer: rasterisation with our own shaders through moderngl.

It runs headless on EGL: Mesa's llvmpipe on a CPU-only machine, the GPU's driver
where one exists, with the same shaders. Radiometry (what each pixel receives)
is in the fragment shader; what the sensor makes of it is cabin_synth.sensor.
See docs/sensors.md for the light model.
"""

import numpy as np

from ..errors import UserError
from .buffers import Buffers
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
out vec3 v_pos;
out vec3 v_normal;
out float v_zcam;
flat out int v_instance;
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
}
"""

FRAGMENT = """
#version 330
uniform sampler2D materials;   // row 0: (r, g, b, nir reflectance) per instance id
uniform vec3 cam_pos;
uniform vec3 sun_dir;
uniform vec4 daylight;         // sun lux, sky lux, sun NIR W/m^2, sky NIR W/m^2
uniform vec3 ill_pos;
uniform vec3 ill_axis;
uniform vec2 ill;              // radiant intensity W/sr, cos^m exponent
in vec3 v_pos;
in vec3 v_normal;
in float v_zcam;
flat in int v_instance;
layout(location = 0) out vec4 out_radiance;   // linear RGB radiance, NIR radiance
layout(location = 1) out vec4 out_geometry;   // camera Z, instance id
const float PI = 3.14159265358979;
void main() {
    vec4 m = texelFetch(materials, ivec2(v_instance, 0), 0);
    vec3 n = normalize(v_normal);
    if (dot(n, cam_pos - v_pos) < 0.0) n = -n;     // two-sided: shade the side we see
    float sun = max(dot(n, sun_dir), 0.0);
    float sky = 0.5 + 0.5 * n.z;                     // share of the upper hemisphere seen
    vec3 to_ill = ill_pos - v_pos;
    float d2 = dot(to_ill, to_ill);
    vec3 l = to_ill * inversesqrt(d2);
    float emit = pow(max(dot(-l, ill_axis), 0.0), ill.y);
    float e_ill = ill.x * emit * max(dot(n, l), 0.0) / d2;
    vec3 rgb = m.rgb / PI * (daylight.x * sun + daylight.y * sky);
    float nir = m.a / PI * (e_ill + daylight.z * sun + daylight.w * sky);
    out_radiance = vec4(rgb, nir);
    out_geometry = vec4(v_zcam, float(v_instance), 0.0, 1.0);
}
"""

EGL_PACKAGES = "libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1"


def create_context():
    import moderngl

    try:
        return moderngl.create_standalone_context(backend="egl")
    except Exception as exc:  # moderngl raises plain Exceptions from its C loader
        raise UserError(
            f"cannot create a headless OpenGL context through EGL ({exc}). "
            f"Install Mesa's EGL drivers: apt-get install {EGL_PACKAGES}") from None


class GLRenderer:
    """Owns one EGL context; render() may be called for any SceneView size."""

    def __init__(self):
        self.ctx = create_context()
        self.program = self.ctx.program(vertex_shader=VERTEX, fragment_shader=FRAGMENT)
        self._fbo = None
        self._size = None

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

    def render(self, view: SceneView) -> Buffers:
        cam = view.camera
        ctx, prog = self.ctx, self.program
        opaque = np.array([inst.material.opacity >= 1.0 for inst in view.instances])
        tri_visible = opaque[view.instance_ids[view.triangles[:, 0]] - 1]
        triangles = view.triangles[tri_visible]

        table = np.zeros((1, len(view.instances) + 1, 4), np.float32)
        for inst in view.instances:
            table[0, inst.id] = (*inst.material.albedo_rgb, inst.material.nir(view.wavelength_nm))
        materials = ctx.texture((table.shape[1], 1), 4, table.tobytes(), dtype="f4")
        materials.filter = (ctx.NEAREST, ctx.NEAREST)

        vertices = np.concatenate([view.positions, view.normals,
                                   view.instance_ids[:, None].astype(np.float32)], axis=1).astype(np.float32)
        vbo = ctx.buffer(vertices.tobytes())
        ibo = ctx.buffer(triangles.astype(np.int32).tobytes())
        vao = ctx.vertex_array(prog, [(vbo, "3f 3f 1f", "in_pos", "in_normal", "in_instance")],
                               index_buffer=ibo, index_element_size=4)
        uniforms = {
            "R_cam": tuple(cam.R_cam_vehicle.T.ravel()),  # GLSL mat3 is column-major
            "t_cam": tuple(cam.t_cam_vehicle), "intr": (cam.fx, cam.fy, cam.cx, cam.cy),
            "size": (cam.width, cam.height), "near_far": (cam.near_m, cam.far_m),
            "cam_pos": tuple(cam.position), "sun_dir": tuple(view.sun_direction),
            "daylight": (view.sun_lux, view.sky_lux, view.sun_nir_w_m2, view.sky_nir_w_m2),
            "ill_pos": tuple(view.illuminator_position), "ill_axis": tuple(view.illuminator_axis),
            "ill": (view.illuminator_w_sr, view.illuminator_exponent),
        }
        for name, value in uniforms.items():
            if name in prog:
                prog[name].value = value
        prog["materials"].value = 0
        materials.use(0)

        fbo = self._framebuffer(cam.width, cam.height)
        fbo.use()
        fbo.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        ctx.enable(ctx.DEPTH_TEST)
        ctx.disable(ctx.CULL_FACE)
        vao.render()
        shape = (cam.height, cam.width, 4)
        radiance = np.frombuffer(fbo.read(attachment=0, components=4, dtype="f4"), np.float32).reshape(shape)[::-1]
        geometry = np.frombuffer(fbo.read(attachment=1, components=4, dtype="f4"), np.float32).reshape(shape)[::-1]
        for obj in (vao, ibo, vbo, materials):
            obj.release()
        return Buffers(
            rgb=np.ascontiguousarray(radiance[..., :3]),
            nir=np.ascontiguousarray(radiance[..., 3]),
            depth=np.ascontiguousarray(geometry[..., 0]),
            instance=np.rint(geometry[..., 1]).astype(np.int32),
        )
