"""Where a QR code is in a grey image, and its modules sampled into a grid.

The steps are the classic ones (as in ZXing's detector): threshold each 8×8 block
against its neighbourhood's brightness, so shade and glare do not matter; find the
three finder patterns by their 1:1:3:1:1 runs, checked across and down; order them
(top-left is at the right angle); estimate the size from their distances, look for the
bottom-right alignment pattern where the others say it is, and map the code's grid onto
the image with the perspective transform the four points give.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

from app.scanning.images import Grey

_BLOCK = 8
_MIN_CONTRAST = 24


@dataclass(frozen=True, slots=True)
class Binary:
    width: int
    height: int
    dark: bytearray  # 1 where the pixel is dark

    def at(self, x: int, y: int) -> bool:
        return bool(self.dark[y * self.width + x])


def binarize(image: Grey) -> Binary:
    width, height, pixels = image.width, image.height, image.pixels
    blocks_wide = max(1, -(-width // _BLOCK))
    blocks_high = max(1, -(-height // _BLOCK))
    level = [[0] * blocks_wide for _ in range(blocks_high)]
    for by in range(blocks_high):
        y0 = min(by * _BLOCK, max(0, height - _BLOCK))
        rows = range(y0, min(y0 + _BLOCK, height))
        for bx in range(blocks_wide):
            x0 = min(bx * _BLOCK, max(0, width - _BLOCK))
            x1 = min(x0 + _BLOCK, width)
            block = b"".join(pixels[y * width + x0 : y * width + x1] for y in rows)
            lo, hi = min(block), max(block)
            average = sum(block) // len(block)
            if hi - lo <= _MIN_CONTRAST:
                average = lo // 2  # a flat block: light unless its neighbours say otherwise
                if by > 0 and bx > 0:
                    neighbours = (
                        level[by - 1][bx] + 2 * level[by][bx - 1] + level[by - 1][bx - 1]
                    ) // 4
                    if lo < neighbours:
                        average = neighbours
            level[by][bx] = average
    dark = bytearray(width * height)
    for by in range(blocks_high):
        top = min(max(by, 2), max(2, blocks_high - 3))
        for bx in range(blocks_wide):
            left = min(max(bx, 2), max(2, blocks_wide - 3))
            total = count = 0
            for ny in range(top - 2, top + 3):
                if 0 <= ny < blocks_high:
                    row_levels = level[ny]
                    for nx in range(left - 2, left + 3):
                        if 0 <= nx < blocks_wide:
                            total += row_levels[nx]
                            count += 1
            darker = _AT_OR_BELOW[total // count]
            for y in range(by * _BLOCK, min(by * _BLOCK + _BLOCK, height)):
                start = y * width + bx * _BLOCK
                end = y * width + min(bx * _BLOCK + _BLOCK, width)
                dark[start:end] = pixels[start:end].translate(darker)
    return Binary(width, height, dark)


# _AT_OR_BELOW[t] maps a brightness to 1 when it is at or below t (dark), else 0.
_AT_OR_BELOW = tuple(bytes(1 if p <= t else 0 for p in range(256)) for t in range(256))


@dataclass(slots=True)
class _Centre:
    x: float
    y: float
    module: float
    count: int = 1

    def near(self, x: float, y: float, module: float) -> bool:
        if abs(y - self.y) <= module and abs(x - self.x) <= module:
            difference = abs(module - self.module)
            return difference <= 1 or difference <= self.module
        return False

    def merge(self, x: float, y: float, module: float) -> None:
        total = self.count + 1
        self.x = (self.count * self.x + x) / total
        self.y = (self.count * self.y + y) / total
        self.module = (self.count * self.module + module) / total
        self.count = total


def _ratio(counts: list[int], proportions: tuple[int, ...]) -> bool:
    total = sum(counts)
    units = sum(proportions)
    if total < units:
        return False
    module = total / units
    tolerance = module / 2
    return all(
        abs(module * p - c) < tolerance * p for c, p in zip(counts, proportions, strict=True)
    )


_FINDER = (1, 1, 3, 1, 1)


def _centre_from_end(counts: list[int], end: int) -> float:
    return end - counts[4] - counts[3] - counts[2] / 2


def _cross_check(
    binary: Binary, x: int, y: int, dx: int, dy: int, limit: int
) -> tuple[list[int], float] | None:
    """The 1:1:3:1:1 runs through (x, y) along (dx, dy); the centre along that line."""
    at = binary.at
    width, height = binary.width, binary.height
    counts = [0] * 5

    def inside(px: int, py: int) -> bool:
        return 0 <= px < width and 0 <= py < height

    px, py = x, y
    while inside(px, py) and at(px, py):
        counts[2] += 1
        px, py = px - dx, py - dy
    if not inside(px, py):
        return None
    while inside(px, py) and not at(px, py) and counts[1] <= limit:
        counts[1] += 1
        px, py = px - dx, py - dy
    if not inside(px, py) or counts[1] > limit:
        return None
    while inside(px, py) and at(px, py) and counts[0] <= limit:
        counts[0] += 1
        px, py = px - dx, py - dy
    if counts[0] > limit:
        return None
    px, py = x + dx, y + dy
    while inside(px, py) and at(px, py):
        counts[2] += 1
        px, py = px + dx, py + dy
    if not inside(px, py):
        return None
    while inside(px, py) and not at(px, py) and counts[3] < limit:
        counts[3] += 1
        px, py = px + dx, py + dy
    if not inside(px, py) or counts[3] >= limit:
        return None
    while inside(px, py) and at(px, py) and counts[4] < limit:
        counts[4] += 1
        px, py = px + dx, py + dy
    if counts[4] >= limit or not _ratio(counts, _FINDER):
        return None
    end = (px - x) * dx + (py - y) * dy  # steps from the start to the run's end
    return counts, _centre_from_end(counts, end)


def finder_centres(binary: Binary) -> list[_Centre]:
    """Candidate finder-pattern centres, each with how many scan lines confirmed it."""
    centres: list[_Centre] = []
    skip = max(2, (3 * binary.height) // (4 * 97))
    width = binary.width
    for y in range(skip - 1, binary.height, skip):
        row = binary.dark[y * width : (y + 1) * width]
        counts = [0] * 5
        state = 0
        for x in range(width + 1):
            dark = x < width and row[x]
            if dark:
                if state & 1:
                    state += 1
                counts[state] += 1
                continue
            if state & 1 == 0:  # in a dark run, now light
                if state == 4:
                    if _ratio(counts, _FINDER):
                        _confirm(binary, counts, x, y, centres)
                    counts = [counts[2], counts[3], counts[4], 1, 0]
                    state = 3
                else:
                    state += 1
                    counts[state] += 1
            else:
                counts[state] += 1
    return centres


def _confirm(binary: Binary, counts: list[int], end_x: int, y: int, centres: list[_Centre]) -> None:
    total = sum(counts)
    centre_x = _centre_from_end(counts, end_x)
    limit = counts[2]
    vertical = _cross_check(binary, int(centre_x), y, 0, 1, 2 * limit)
    if vertical is None:
        return
    v_counts, offset = vertical
    centre_y = y + offset  # the check measures from where it started
    if 5 * abs(sum(v_counts) - total) >= 2 * total:
        return
    horizontal = _cross_check(binary, int(centre_x), int(centre_y), 1, 0, 2 * limit)
    if horizontal is None:
        return
    h_counts, h_offset = horizontal
    centre_x = int(centre_x) + h_offset
    module = (sum(h_counts) + sum(v_counts)) / 14
    for centre in centres:
        if centre.near(centre_x, centre_y, module):
            centre.merge(centre_x, centre_y, module)
            return
    centres.append(_Centre(centre_x, centre_y, module))


@dataclass(frozen=True, slots=True)
class Corners:
    """The three finder centres, ordered, and the code's size in modules."""

    top_left: tuple[float, float]
    top_right: tuple[float, float]
    bottom_left: tuple[float, float]
    module: float
    size: int


def candidates(centres: list[_Centre]) -> Iterator[Corners]:
    """Plausible triples of finder centres, best first."""
    pool = sorted(centres, key=lambda c: -c.count)[:8]
    scored: list[tuple[float, Corners]] = []
    for trio in itertools.combinations(pool, 3):
        modules = [c.module for c in trio]
        spread = (max(modules) - min(modules)) / max(min(modules), 0.5)
        if spread > 0.5:
            continue
        corners = _order(trio)
        if corners is None:
            continue
        a = math.dist(corners.top_left, corners.top_right)
        b = math.dist(corners.top_left, corners.bottom_left)
        c = math.dist(corners.top_right, corners.bottom_left)
        shape = abs(a - b) / max(a, b) + abs(c - math.hypot(a, b)) / c
        if shape > 0.4:
            continue
        scored.append((shape + spread - 0.05 * sum(x.count for x in trio), corners))
    scored.sort(key=lambda item: item[0])
    for _, corners in scored[:6]:
        yield corners


def _order(trio: tuple[_Centre, ...]) -> Corners | None:
    p = [(c.x, c.y) for c in trio]
    d01, d12, d02 = math.dist(p[0], p[1]), math.dist(p[1], p[2]), math.dist(p[0], p[2])
    if d12 >= d01 and d12 >= d02:
        b, a, c = p[0], p[1], p[2]
    elif d02 >= d12 and d02 >= d01:
        b, a, c = p[1], p[0], p[2]
    else:
        b, a, c = p[2], p[0], p[1]
    # With y pointing down, top-right is clockwise from bottom-left about top-left.
    if (c[0] - b[0]) * (a[1] - b[1]) - (c[1] - b[1]) * (a[0] - b[0]) < 0:
        a, c = c, a
    module = sum(x.module for x in trio) / 3
    across = math.dist(b, c) / module
    down = math.dist(b, a) / module
    size = round((across + down) / 2) + 7
    remainder = size % 4
    if remainder == 0:
        size += 1
    elif remainder == 2:
        size -= 1
    elif remainder == 3:
        size -= 2  # nearest valid sizes are size-2 and size+2: try the smaller first
    if size < 21 or size > 177:
        return None
    return Corners(top_left=b, top_right=c, bottom_left=a, module=module, size=size)


def alignment_centre(binary: Binary, corners: Corners) -> tuple[float, float] | None:
    """The bottom-right alignment pattern's centre, searched where the finders put it."""
    size = corners.size
    if size < 25:
        return None
    tl, tr, bl = corners.top_left, corners.top_right, corners.bottom_left
    br = (tr[0] - tl[0] + bl[0], tr[1] - tl[1] + bl[1])
    correction = 1 - 3 / (size - 7)
    estimate = (tl[0] + correction * (br[0] - tl[0]), tl[1] + correction * (br[1] - tl[1]))
    module = corners.module
    for allowance in (4, 8, 16):
        found = _alignment_near(binary, estimate, module, allowance)
        if found is not None:
            return found
    return None


def _alignment_near(
    binary: Binary, estimate: tuple[float, float], module: float, allowance: int
) -> tuple[float, float] | None:
    reach = int(allowance * module)
    left = max(0, int(estimate[0]) - reach)
    right = min(binary.width - 1, int(estimate[0]) + reach)
    top = max(0, int(estimate[1]) - reach)
    bottom = min(binary.height - 1, int(estimate[1]) + reach)
    if right - left < 3 * module or bottom - top < 3 * module:
        return None
    best: tuple[float, float] | None = None
    best_distance = math.inf
    for y in range(top, bottom + 1):
        x = left
        while x <= right:
            if not binary.at(x, y):
                x += 1
                continue
            start = x
            while x <= right and binary.at(x, y):
                x += 1
            run = x - start
            if not 0.5 * module <= run <= 1.5 * module:
                continue
            centre_x = (start + x - 1) / 2
            if not _light_around(binary, centre_x, y, module, horizontal=True):
                continue
            vertical = _run_through(binary, int(centre_x), y)
            if vertical is None:
                continue
            v_start, v_end = vertical
            if not 0.5 * module <= v_end - v_start + 1 <= 1.5 * module:
                continue
            centre_y = (v_start + v_end) / 2
            if not _light_around(binary, centre_x, centre_y, module, horizontal=False):
                continue
            distance = math.dist((centre_x, centre_y), estimate)
            if distance < best_distance:
                best, best_distance = (centre_x, centre_y), distance
    return best


def _run_through(binary: Binary, x: int, y: int) -> tuple[int, int] | None:
    if not binary.at(x, y):
        return None
    top = bottom = y
    while top > 0 and binary.at(x, top - 1):
        top -= 1
    while bottom < binary.height - 1 and binary.at(x, bottom + 1):
        bottom += 1
    return top, bottom


def _light_around(binary: Binary, x: float, y: float, module: float, *, horizontal: bool) -> bool:
    """A dark centre module with light on both sides and dark beyond (the 5×5 rings)."""
    for sign in (-1, 1):
        for distance, want_dark in ((1.0, False), (2.0, True)):
            px = x + sign * distance * module if horizontal else x
            py = y if horizontal else y + sign * distance * module
            ix, iy = round(px), round(py)
            if not (0 <= ix < binary.width and 0 <= iy < binary.height):
                return False
            if binary.at(ix, iy) != want_dark:
                return False
    return True


Transform = tuple[float, ...]


def perspective(source: list[tuple[float, float]], target: list[tuple[float, float]]) -> Transform:
    """The homography taking the four `source` points to the four `target` points."""
    rows: list[list[float]] = []
    for (x, y), (u, v) in zip(source, target, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    for col in range(8):
        pivot = max(range(col, 8), key=lambda r: abs(rows[r][col]))
        if abs(rows[pivot][col]) < 1e-12:
            raise ValueError("degenerate corners")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(8):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return tuple(rows[i][8] / rows[i][i] for i in range(8))


def apply(transform: Transform, x: float, y: float) -> tuple[float, float]:
    h = transform
    w = h[6] * x + h[7] * y + 1
    return (h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w


def sample(
    binary: Binary, corners: Corners, alignment: tuple[float, float] | None
) -> list[list[bool]]:
    """The grid of modules, each read at its centre through the perspective transform."""
    size = corners.size
    tl, tr, bl = corners.top_left, corners.top_right, corners.bottom_left
    if alignment is not None:
        fourth, fourth_grid = alignment, (size - 6.5, size - 6.5)
    else:
        fourth = (tr[0] - tl[0] + bl[0], tr[1] - tl[1] + bl[1])
        fourth_grid = (size - 3.5, size - 3.5)
    transform = perspective(
        [(3.5, 3.5), (size - 3.5, 3.5), fourth_grid, (3.5, size - 3.5)],
        [tl, tr, fourth, bl],
    )
    grid: list[list[bool]] = []
    width, height, dark = binary.width, binary.height, binary.dark
    for row in range(size):
        line: list[bool] = []
        for col in range(size):
            x, y = apply(transform, col + 0.5, row + 0.5)
            ix, iy = int(x), int(y)
            line.append(0 <= ix < width and 0 <= iy < height and dark[iy * width + ix] == 1)
        grid.append(line)
    return grid
