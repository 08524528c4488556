"""What the instrument cluster and the infotainment screen show: sRGB pictures drawn
from vector shapes (rings, needles, stroked digits, roads, icons), anti-aliased by
drawing at three times the size and averaging. No font files: digits and the few
letters needed are strokes, so the pictures are the same wherever they are made.

Dark themes, as automotive screens use at night and most use by day: the picture's
mean level sets how much light a screen throws on the driver (docs/cabins.md, Screens).
"""

from __future__ import annotations

import math

import numpy as np

SS = 3   # supersampling factor

# Stroke glyphs on a 0..1 (x) by 0..2 (y, up) box: lists of polylines.
_SEG = {"a": [(0, 2), (1, 2)], "b": [(1, 2), (1, 1)], "c": [(1, 1), (1, 0)], "d": [(0, 0), (1, 0)],
        "e": [(0, 0), (0, 1)], "f": [(0, 1), (0, 2)], "g": [(0, 1), (1, 1)]}
_DIGITS = {"0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc", "5": "afgcd", "6": "afgedc", "7": "abc",
           "8": "abcdefg", "9": "abcdfg"}
GLYPHS: dict[str, list[list[tuple[float, float]]]] = {d: [_SEG[s] for s in segs] for d, segs in _DIGITS.items()}
GLYPHS.update({
    ":": [[(0.5, 0.5), (0.5, 0.55)], [(0.5, 1.45), (0.5, 1.5)]],
    "k": [[(0, 0), (0, 2)], [(0, 0.6), (0.9, 1.3)], [(0.3, 0.9), (1, 0)]],
    "m": [[(0, 0), (0, 1.2)], [(0, 1.0), (0.25, 1.2), (0.5, 1.0), (0.5, 0)], [(0.5, 1.0), (0.75, 1.2), (1, 1.0), (1, 0)]],
    "h": [[(0, 0), (0, 2)], [(0, 1.0), (0.5, 1.2), (1, 1.0), (1, 0)]],
    "/": [[(0, 0), (1, 2)]],
    "D": [[(0, 0), (0, 2), (0.6, 2), (1, 1.6), (1, 0.4), (0.6, 0), (0, 0)]],
    "C": [[(1, 1.8), (0.7, 2), (0.3, 2), (0, 1.6), (0, 0.4), (0.3, 0), (0.7, 0), (1, 0.2)]],
    "o": [[(0.3, 1.6), (0.6, 1.6), (0.6, 1.9), (0.3, 1.9), (0.3, 1.6)]],
    "-": [[(0.1, 1), (0.9, 1)]],
    " ": [],
})


class Canvas:
    """An sRGB picture (float 0..1) drawn at SS times its size."""

    def __init__(self, width: int, height: int, background=(0.0, 0.0, 0.0)):
        self.w, self.h = width, height
        self.img = np.empty((height * SS, width * SS, 3))
        self.img[:] = background
        yy, xx = np.mgrid[0:height * SS, 0:width * SS]
        # pixel centres in output pixels, y up from the bottom edge
        self.x = (xx + 0.5) / SS
        self.y = height - (yy + 0.5) / SS

    def _window(self, x0: float, y0: float, x1: float, y1: float) -> tuple[slice, slice]:
        """The supersampled rows and columns covering the box x0..x1, y0..y1 (output pixels, y up)."""
        c0, c1 = max(int(np.floor(x0 * SS)) - 1, 0), min(int(np.ceil(x1 * SS)) + 1, self.w * SS)
        r0, r1 = max(int(np.floor((self.h - y1) * SS)) - 1, 0), min(int(np.ceil((self.h - y0) * SS)) + 1, self.h * SS)
        return slice(r0, max(r1, r0)), slice(c0, max(c1, c0))

    def paint(self, window, mask: np.ndarray, colour, alpha: float = 1.0) -> None:
        """Blend ``colour`` over the pixels of ``window`` where ``mask`` holds."""
        img = self.img[window]
        img[mask] = (1 - alpha) * img[mask] + alpha * np.asarray(colour, dtype=float)

    def gradient(self, top, bottom) -> None:
        t = (self.y / self.h)[..., None]
        self.img[:] = t * np.asarray(top, dtype=float) + (1 - t) * np.asarray(bottom, dtype=float)

    def segment(self, p0, p1, width: float, colour, alpha: float = 1.0) -> None:
        (x0, y0), (x1, y1) = p0, p1
        win = self._window(min(x0, x1) - width, min(y0, y1) - width, max(x0, x1) + width, max(y0, y1) + width)
        x, y = self.x[win], self.y[win]
        dx, dy = x1 - x0, y1 - y0
        L2 = max(dx * dx + dy * dy, 1e-12)
        t = np.clip(((x - x0) * dx + (y - y0) * dy) / L2, 0.0, 1.0)
        self.paint(win, np.hypot(x - x0 - t * dx, y - y0 - t * dy) <= width / 2, colour, alpha)

    def polyline(self, points, width: float, colour, alpha: float = 1.0) -> None:
        for a, b in zip(points[:-1], points[1:]):
            self.segment(a, b, width, colour, alpha)

    def disc(self, centre, radius: float, colour, alpha: float = 1.0) -> None:
        win = self._window(centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius)
        self.paint(win, np.hypot(self.x[win] - centre[0], self.y[win] - centre[1]) <= radius, colour, alpha)

    def arc(self, centre, radius: float, a0: float, a1: float, width: float, colour, alpha: float = 1.0) -> None:
        """Ring band between angles a0 and a1 (degrees, counter-clockwise from +x)."""
        reach = radius + width
        win = self._window(centre[0] - reach, centre[1] - reach, centre[0] + reach, centre[1] + reach)
        x, y = self.x[win] - centre[0], self.y[win] - centre[1]
        a = np.degrees(np.arctan2(y, x))
        lo, hi = min(a0, a1), max(a0, a1)
        inside = ((a - lo) % 360.0) <= (hi - lo)
        self.paint(win, (np.abs(np.hypot(x, y) - radius) <= width / 2) & inside, colour, alpha)

    def rect(self, x0: float, y0: float, x1: float, y1: float, colour, radius: float = 0.0, alpha: float = 1.0) -> None:
        win = self._window(x0, y0, x1, y1)
        x, y = self.x[win], self.y[win]
        cx, cy = np.clip(x, x0 + radius, x1 - radius), np.clip(y, y0 + radius, y1 - radius)
        self.paint(win, np.hypot(x - cx, y - cy) <= radius + 1e-9, colour, alpha)

    def polygon(self, points, colour, alpha: float = 1.0) -> None:
        """Even-odd fill."""
        pts = [tuple(map(float, p)) for p in points]
        xs, ys = zip(*pts)
        win = self._window(min(xs), min(ys), max(xs), max(ys))
        x, y = self.x[win], self.y[win]
        inside = np.zeros(x.shape, dtype=bool)
        for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
            crosses = (y0 > y) != (y1 > y)
            xc = x0 + (y - y0) * (x1 - x0) / ((y1 - y0) if y1 != y0 else 1e-12)
            inside ^= crosses & (x < xc)
        self.paint(win, inside, colour, alpha)

    def text(self, s: str, x: float, y: float, size: float, colour, width: float | None = None) -> float:
        """Stroked text with its baseline's left end at (x, y), glyphs size/2 wide and size
        tall; returns the x after it."""
        w = width or max(size * 0.12, 0.8)
        for ch in s:
            for line in GLYPHS[ch]:
                pts = [(x + gx * size * 0.5, y + gy * size * 0.5) for gx, gy in line]
                if len(pts) == 1 or pts[0] == pts[-1] and len(pts) == 2:
                    self.disc(pts[0], w / 2, colour)
                self.polyline(pts, w, colour)
            x += size * 0.75
        return x

    def image(self) -> np.ndarray:
        """The picture as 8-bit sRGB, (height, width, 3)."""
        small = self.img.reshape(self.h, SS, self.w, SS, 3).mean(axis=(1, 3))
        return np.round(np.clip(small, 0.0, 1.0) * 255).astype(np.uint8)


WHITE = (0.92, 0.94, 0.96)
GREY = (0.45, 0.48, 0.52)
ACCENT = (0.20, 0.62, 0.95)       # the UI's blue
AMBER = (0.98, 0.66, 0.18)


def _gauge(c: Canvas, centre, radius: float, value: float, ticks: int, label: str) -> None:
    """A ring gauge from 225 deg (zero) clockwise to -45 deg (full), lit up to ``value`` (0..1)."""
    c.arc(centre, radius, -45, 225, 3.0, (0.12, 0.14, 0.17))
    c.arc(centre, radius, 225 - 270 * value, 225, 3.0, ACCENT)
    for k in range(ticks + 1):
        a = math.radians(225 - 270 * k / ticks)
        inner = radius - (9 if k % 2 == 0 else 5)
        c.segment((centre[0] + inner * math.cos(a), centre[1] + inner * math.sin(a)),
                  (centre[0] + (radius - 3) * math.cos(a), centre[1] + (radius - 3) * math.sin(a)),
                  1.4 if k % 2 == 0 else 0.9, WHITE if k % 2 == 0 else GREY)
    a = math.radians(225 - 270 * value)
    c.segment((centre[0] + 0.25 * radius * math.cos(a), centre[1] + 0.25 * radius * math.sin(a)),
              (centre[0] + (radius - 6) * math.cos(a), centre[1] + (radius - 6) * math.sin(a)), 2.2, AMBER)
    c.disc(centre, 6.0, (0.15, 0.16, 0.18))
    c.text(label, centre[0] - 0.375 * 10 * len(label) + 2, centre[1] - radius * 0.62, 10, GREY)


def cluster(width: int = 512, height: int = 200) -> np.ndarray:
    """A digital instrument cluster: speedometer and rev counter rings, the speed and gear
    in the middle over a strip of route guidance, fuel and coolant bars, trip and clock."""
    c = Canvas(width, height)
    c.gradient((0.02, 0.03, 0.05), (0.05, 0.06, 0.09))
    r = 0.40 * height
    _gauge(c, (0.17 * width, 0.52 * height), r, 50 / 260, 13, "km/h")
    _gauge(c, (0.83 * width, 0.52 * height), r, 0.28, 16, "")
    mid = width / 2
    c.text("50", mid - 38, 0.50 * height, 56, WHITE, 5.0)
    c.text("km/h", mid - 20, 0.38 * height, 11, GREY)
    c.text("D", mid + 52, 0.50 * height, 18, ACCENT, 2.2)
    # route guidance: a turn arrow and the distance bar
    c.rect(mid - 70, 0.12 * height, mid + 70, 0.28 * height, (0.08, 0.10, 0.14), radius=6)
    c.polyline([(mid - 58, 0.15 * height), (mid - 58, 0.23 * height), (mid - 46, 0.23 * height)], 3.0, WHITE)
    c.polygon([(mid - 46, 0.26 * height), (mid - 46, 0.20 * height), (mid - 40, 0.23 * height)], WHITE)
    c.rect(mid - 30, 0.185 * height, mid + 60, 0.215 * height, (0.20, 0.22, 0.26), radius=3)
    c.rect(mid - 30, 0.185 * height, mid + 20, 0.215 * height, ACCENT, radius=3)
    # fuel and coolant bars along the bottom corners
    for x0, fill, colour in ((0.05 * width, 0.6, WHITE), (0.80 * width, 0.5, WHITE)):
        for k in range(8):
            c.rect(x0 + k * 10, 0.04 * height, x0 + k * 10 + 7, 0.09 * height, colour if k < 8 * fill else (0.18, 0.19, 0.22), 1.5)
    c.text("12:45", 0.41 * width, 0.91 * height - 8, 12, GREY)
    c.text("18oC", 0.53 * width, 0.91 * height - 8, 12, GREY)
    return c.image()


def _road_net(rng: np.random.Generator, width: float, height: float, n: int):
    """Gently curved streets across the map: (points, width) per street."""
    streets = []
    for k in range(n):
        horizontal = k % 2 == 0
        base = rng.uniform(0.1, 0.9)
        bend = rng.uniform(-0.08, 0.08)
        t = np.linspace(-0.05, 1.05, 12)
        if horizontal:
            pts = [(x * width, (base + bend * math.sin(3 * x)) * height) for x in t]
        else:
            pts = [((base + bend * math.sin(3 * y)) * width, y * height) for y in t]
        streets.append((pts, float(rng.choice([2.0, 3.0, 5.0]))))
    return streets


def infotainment(width: int = 512, height: int = 296) -> np.ndarray:
    """Navigation with a media panel: a night map (blocks, park, river, streets, the route
    in blue, the car's arrow), a status bar, the track playing and a dock of app keys."""
    c = Canvas(width, height)
    c.img[:] = (0.06, 0.07, 0.08)
    mw = 0.66 * width
    rng = np.random.default_rng(1212)
    # map: park and river under the streets
    c.polygon([(0.05 * mw, 0.55 * height), (0.35 * mw, 0.62 * height), (0.30 * mw, 0.88 * height), (0.08 * mw, 0.85 * height)],
              (0.09, 0.16, 0.10))
    c.polyline([(0.0, 0.30 * height), (0.3 * mw, 0.36 * height), (0.6 * mw, 0.28 * height), (mw, 0.34 * height)], 14.0, (0.08, 0.12, 0.20))
    for pts, w in _road_net(rng, mw, height, 14):
        c.polyline(pts, w + 1.5, (0.16, 0.17, 0.19))
        c.polyline(pts, w, (0.30, 0.31, 0.34))
    route = [(0.50 * mw, 0.08 * height), (0.52 * mw, 0.40 * height), (0.70 * mw, 0.52 * height), (0.72 * mw, 0.95 * height)]
    c.polyline(route, 6.0, ACCENT)
    car = (0.51 * mw, 0.22 * height)
    c.polygon([(car[0], car[1] + 12), (car[0] - 8, car[1] - 8), (car[0], car[1] - 3), (car[0] + 8, car[1] - 8)], WHITE)
    c.rect(mw, 0, mw + 1.5, height, (0.2, 0.21, 0.23))
    # status bar
    c.rect(0, height - 22, width, height, (0.03, 0.035, 0.04))
    c.text("12:45", 8, height - 17, 12, WHITE)
    for k in range(3):
        c.rect(width - 40 + k * 8, height - 16, width - 36 + k * 8, height - 10 + 3 * k, WHITE, 0.8)
    # media panel: cover art, progress, transport keys
    px = mw + 0.12 * (width - mw)
    side = 0.76 * (width - mw)
    art_y = height - 40 - side
    art = c.x - px
    grad = np.clip(((c.x - px) + (c.y - art_y)) / (2 * side), 0.0, 1.0)[..., None]
    tile = (art >= 0) & (art <= side) & (c.y >= art_y) & (c.y <= art_y + side)
    c.img[tile] = (grad * np.array([0.85, 0.35, 0.25]) + (1 - grad) * np.array([0.25, 0.20, 0.55]))[tile]
    c.disc((px + side / 2, art_y + side / 2), side * 0.18, (0.95, 0.85, 0.70), 0.8)
    bar_y = art_y - 14
    c.rect(px, bar_y, px + side, bar_y + 3, (0.25, 0.26, 0.29), 1.5)
    c.rect(px, bar_y, px + 0.4 * side, bar_y + 3, WHITE, 1.5)
    ky = bar_y - 26
    mid = px + side / 2
    c.polygon([(mid - 5, ky - 8), (mid - 5, ky + 8), (mid + 9, ky)], WHITE)
    for sgn in (-1, 1):
        x = mid + sgn * 30
        c.polygon([(x - sgn * 6, ky - 7), (x - sgn * 6, ky + 7), (x + sgn * 4, ky)], GREY)
        c.rect(min(x + sgn * 4, x + sgn * 6), ky - 7, max(x + sgn * 4, x + sgn * 6), ky + 7, GREY)
    # dock of app keys along the bottom of the media panel
    for k, colour in enumerate(((0.25, 0.55, 0.95), (0.30, 0.75, 0.45), (0.95, 0.55, 0.20), (0.70, 0.72, 0.76))):
        x = mw + 10 + k * ((width - mw - 20) / 4)
        c.rect(x, 8, x + 26, 34, colour, radius=6, alpha=0.9)
    return c.image()


SCREENS = {"cluster_screen": cluster, "infotainment_screen": infotainment}


def screen_images() -> dict[str, np.ndarray]:
    return {name: draw() for name, draw in SCREENS.items()}
