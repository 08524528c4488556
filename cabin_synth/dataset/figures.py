"""The report's figures (matplotlib, drawn off-screen): a contact sheet with
label overlays, distributions, coverage heat maps with thin cells flagged, and
clip timelines. Each builder returns a Figure; `png_data_uri` embeds it."""

import base64
import io
from typing import Any, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from . import overlays  # noqa: E402

THIN_SHARE = 0.5          # a coverage cell under half the mean count of its map is thin
STATUS_COLOURS = {"required": "#2e7d32", "permitted": "#9e9e9e", "forbidden": "#c62828", "conditional": "#ef6c00"}


def png_data_uri(fig, dpi: int = 110) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def contact_sheet(tiles: Sequence[tuple[np.ndarray, Mapping[str, Any], str]], cols: int = 6):
    """Frames (image, labels, title) cropped round the face with their labels drawn."""
    rows = max(1, -(-len(tiles) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 2.3, rows * 2.5), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (image, labels, title) in zip(axes.ravel(), tiles):
        overlays.draw(ax, image, labels, title)
    legend = [Patch(color="#7fff00", label="landmark"), Patch(color="#ff4040", label="hidden landmark"),
              Patch(color="#ffd700", label="pupil, gaze ray"), Patch(color="#00e5ff", label="glint"),
              *(Patch(color=c, label=f"head {a}") for c, a in zip(overlays.AXIS_COLOURS, ("+X", "+Y", "+Z")))]
    fig.legend(handles=legend, loc="lower center", ncol=7, fontsize=7, frameon=False)
    fig.subplots_adjust(wspace=0.05, hspace=0.3, bottom=0.06)
    return fig


def _bars(ax, values: Sequence, title: str, order: Sequence | None = None) -> None:
    keys = list(order) if order is not None else sorted(set(values), key=str)
    counts = [sum(1 for v in values if v == k) for k in keys]
    ax.bar([str(k) for k in keys], counts, color="#4c72b0")
    ax.set_title(title, fontsize=9)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.tick_params(axis="y", labelsize=7)


def _hist(ax, values: Sequence[float], title: str, xlabel: str, bins=20) -> None:
    ax.hist(np.asarray(values, float), bins=bins, color="#4c72b0")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=7)


def distributions(drivers: Sequence[Mapping[str, Any]], poses: Mapping[str, np.ndarray], zones: Sequence[str]):
    """Demographics of the drivers (one entry per driver), head pose and gaze (per sampled frame)."""
    fig, axes = plt.subplots(3, 4, figsize=(14, 9))
    _bars(axes[0, 0], [d["sex"] for d in drivers], "sex (drivers)")
    _hist(axes[0, 1], [d["age_years"] for d in drivers], "age (drivers)", "years")
    _bars(axes[0, 2], [d["skin_type"] for d in drivers], "Fitzpatrick skin type (drivers)", range(1, 7))
    _hist(axes[0, 3], [d["stature_m"] for d in drivers], "stature (drivers)", "m")
    _bars(axes[1, 0], [d.get("facial_hair", "none") for d in drivers], "facial hair (drivers)")
    _bars(axes[1, 1], [d.get("hair_style", "short") for d in drivers], "hair style (drivers)")
    _hist(axes[1, 2], poses["head_yaw_deg"], "head yaw (frames)", "deg, + to the driver's left", bins=36)
    _hist(axes[1, 3], poses["head_pitch_deg"], "head pitch (frames)", "deg, + down", bins=36)
    ax = axes[2, 0]
    yaw, pitch = poses["gaze_yaw_deg"], poses["gaze_pitch_deg"]
    span = lambda v, limit: [max(float(np.min(v)) - 10.0, -limit), min(float(np.max(v)) + 10.0, limit)]
    h = ax.hist2d(yaw, pitch, bins=[60, 40], range=[span(yaw, 180.0), span(pitch, 90.0)], cmap="viridis", cmin=1)
    fig.colorbar(h[3], ax=ax, fraction=0.046)
    ax.set_title("gaze direction (frames, vehicle frame)", fontsize=9)
    ax.set_xlabel("yaw, deg (+ left)", fontsize=8)
    ax.set_ylabel("pitch, deg (+ down)", fontsize=8)
    ax.invert_yaxis()
    ax.tick_params(labelsize=7)
    _hist(axes[2, 1], poses["head_roll_deg"], "head roll (frames)", "deg", bins=36)
    zone_counts = {z: zones.count(z) for z in sorted(set(zones))}
    ax = axes[2, 2]
    ax.barh(list(zone_counts), list(zone_counts.values()), color="#4c72b0")
    ax.set_title("gaze zone (frames)", fontsize=9)
    ax.tick_params(labelsize=7)
    axes[2, 3].axis("off")
    fig.tight_layout()
    return fig


def heatmap(ax, counts: np.ndarray, rows: Sequence[str], cols: Sequence[str], title: str,
            minimum: float | None = None, missing: np.ndarray | None = None) -> int:
    """Counts per cell; cells under `minimum` (default THIN_SHARE of the mean of the made
    cells) outlined red and marked '!', cells the generator cannot make (`missing`) hatched
    and marked 'n/a'. Returns how many cells are flagged."""
    counts = np.asarray(counts, float)
    missing = np.zeros(counts.shape, bool) if missing is None else missing
    made = counts[~missing]
    floor = minimum if minimum is not None else THIN_SHARE * (made.mean() if made.size else 0.0)
    shown = np.where(missing, np.nan, counts)
    im = ax.imshow(shown, cmap="Blues", aspect="auto", vmin=0, vmax=max(float(np.nanmax(shown)) if made.size else 1, 1))
    flagged = 0
    for (i, j), c in np.ndenumerate(counts):
        if missing[i, j]:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", color="#999999", lw=0))
            ax.text(j, i, "n/a", ha="center", va="center", fontsize=6, color="#666666")
            continue
        thin = c < floor
        flagged += thin
        if thin:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="#d50000", lw=1.6))
        ax.text(j, i, f"{int(c)}{'!' if thin else ''}", ha="center", va="center", fontsize=6,
                color="#d50000" if thin else ("white" if c > 0.6 * np.nanmax(shown) else "black"))
    ax.set_xticks(range(len(cols)), cols, rotation=60, ha="right", fontsize=6)
    ax.set_yticks(range(len(rows)), rows, fontsize=6)
    ax.set_title(f"{title} ({flagged} thin or empty)", fontsize=9)
    plt.colorbar(im, ax=ax, fraction=0.03)
    return flagged


def demographic_coverage(drivers: Sequence[Mapping[str, Any]]):
    """Sex x skin type, age x skin type and stature x sex counts of the drivers."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.2))
    sexes, skins = ["female", "male"], list(range(1, 7))
    ages, statures = [16, 25, 35, 45, 55, 65, 81], [1.40, 1.55, 1.65, 1.75, 1.85, 2.10]
    grid = np.array([[sum(d["sex"] == s and d["skin_type"] == k for d in drivers) for k in skins] for s in sexes])
    heatmap(axes[0], grid, sexes, [str(k) for k in skins], "sex x skin type")
    age_bin = np.digitize([d["age_years"] for d in drivers], ages[1:-1])
    grid = np.array([[sum(a == i and d["skin_type"] == k for a, d in zip(age_bin, drivers)) for k in skins]
                     for i in range(len(ages) - 1)])
    heatmap(axes[1], grid, [f"{a}-{b - 1}" for a, b in zip(ages, ages[1:])], [str(k) for k in skins], "age x skin type")
    st_bin = np.digitize([d["stature_m"] for d in drivers], statures[1:-1])
    grid = np.array([[sum(b == i and d["sex"] == s for b, d in zip(st_bin, drivers)) for s in sexes]
                     for i in range(len(statures) - 1)])
    heatmap(axes[2], grid, [f"{a:.2f}-{b:.2f} m" for a, b in zip(statures, statures[1:])], sexes, "stature x sex")
    fig.tight_layout()
    return fig


def timeline(clip: Mapping[str, Any], layers: Mapping[str, Any] | None = None):
    """A clip over time: its gaze zone, eye aperture (with the P80 line), the spans in which
    the camera cannot monitor the eyes (hatched, with why: rendered or ray-cast clips) and,
    given layers (compliance sets), the rule's timer against its threshold and the ground
    truth's entries: required from-due (green), permitted (grey), forbidden (red), conditional (orange)."""
    pf = clip["per_frame"]
    t = np.asarray(pf["time_s"])
    dt = 1.0 / clip["fps"]
    rows = 3 if layers else 2
    fig, axes = plt.subplots(rows, 1, figsize=(11, 1.2 + 1.1 * rows), sharex=True,
                             gridspec_kw={"height_ratios": [0.7] + [1.0] * (rows - 1)})
    zones = pf["gaze_zone"]
    names = sorted(set(zones))
    cmap = plt.get_cmap("tab20")
    colour = {z: ("#bdbdbd" if z == "road_ahead" else cmap(i % 20)) for i, z in enumerate(names)}
    start = 0
    for k in range(1, len(zones) + 1):
        if k == len(zones) or zones[k] != zones[start]:
            axes[0].axvspan(t[start], t[start] + (k - start) * dt, color=colour[zones[start]], lw=0)
            start = k
    axes[0].set_yticks([])
    axes[0].set_ylabel("zone", fontsize=8)
    axes[0].legend(handles=[Patch(color=colour[z], label=z) for z in names], fontsize=6, ncol=min(len(names), 6),
                   loc="upper left", bbox_to_anchor=(0, 1.6), frameon=False)
    ap = np.asarray(pf["aperture_mm"]).mean(axis=1)
    open_ = np.asarray(pf["open_aperture_mm"]).mean(axis=1)
    axes[1].plot(t, ap, color="#1f77b4", lw=0.8, label="aperture (mean of eyes)")
    axes[1].plot(t, 0.2 * open_, color="#d62728", lw=0.6, ls="--", label="80 % closed")
    axes[1].set_ylabel("mm", fontsize=8)
    for span in clip.get("monitoring", {}).get("spans", []):
        why = ", ".join(span["reasons"])     # most frames first
        for ax in axes[:2]:
            ax.axvspan(span["start_s"], span["end_s"], facecolor="none", edgecolor="#212121", hatch="///", lw=0)
        axes[1].text(span["start_s"], 0.98, f" eyes not monitorable: {why}", transform=axes[1].get_xaxis_transform(),
                     fontsize=6, va="top")
    axes[1].legend(fontsize=6, loc="upper right", frameon=False)
    if layers:
        ax = axes[2]
        ax.plot(t, layers["timer_s"], color="#6a1b9a", lw=0.9, label=f"{layers['measure']} timer")
        for name, value in layers["thresholds"]:
            ax.axhline(value, color="#6a1b9a", lw=0.6, ls=":")
            ax.text(t[-1], value, f" {name} {value:g} s", fontsize=6, va="center")
        for e in layers["entries"]:
            end = e.get("due_s", e["until_s"])
            ax.axvspan(e["from_s"], max(end, e["from_s"] + dt), color=STATUS_COLOURS[e["status"]], alpha=0.35, lw=0)
            if e["status"] == "required":
                ax.axvline(e["due_s"], color=STATUS_COLOURS["required"], lw=1.2)
        ax.set_ylabel("s", fontsize=8)
        ax.legend(handles=[Patch(color=c, alpha=0.5, label=s) for s, c in STATUS_COLOURS.items()], fontsize=6,
                  ncol=4, loc="upper left", frameon=False)
    for ax in axes:
        ax.tick_params(labelsize=7)
    axes[-1].set_xlabel("time in the clip, s", fontsize=8)
    fig.tight_layout()
    return fig
