"""Baseline JPEG to grey, in pure Python: the brightness (Y) channel only.

Cameras and the camera plug-in's preview frames write baseline (sequential, Huffman)
JPEG. A QR code needs brightness alone, so the colour channels are entropy-decoded only
to step over them (their inverse DCT, the costly part, is skipped), and a scan without
the Y channel is not decoded at all. Progressive and arithmetic-coded files are refused
with their own code. Large photos are read at one eighth of their size (each block's DC
value), which keeps a 12-megapixel photo of a QR code readable in seconds.
"""

from __future__ import annotations

import math
import struct

from app.scanning.images import Grey, UnreadableImage, check_size

FULL_SIZE_LIMIT = 1600 * 1200  # larger photos are read at 1/8 scale


# The zig-zag order: the natural (row-major) index of the k-th coefficient read.
def _zigzag() -> tuple[int, ...]:
    order: list[int] = []
    for diagonal in range(15):
        cells = [(r, diagonal - r) for r in range(8) if 0 <= diagonal - r < 8]
        if diagonal % 2 == 0:
            cells.reverse()  # even diagonals run up and to the right
        order.extend(r * 8 + c for r, c in cells)
    return tuple(order)


ZIGZAG = _zigzag()

# IDCT basis: _BASIS[x][u] = C(u) cos((2x + 1) u π / 16) / 2.
_BASIS = tuple(
    tuple(
        (math.sqrt(0.5) if u == 0 else 1.0) * math.cos((2 * x + 1) * u * math.pi / 16) / 2
        for u in range(8)
    )
    for x in range(8)
)


# Each coefficient's basis image: _BASIS_IMAGES[v * 8 + u][y * 8 + x].
_BASIS_IMAGES = tuple(
    tuple(_BASIS[y][v] * _BASIS[x][u] for y in range(8) for x in range(8))
    for v in range(8)
    for u in range(8)
)


class _Huffman:
    """A Huffman table as a 16-bit lookup: the next 16 bits of the stream index the
    symbol they start with and its code's length (0 where no code starts so)."""

    __slots__ = ("lengths", "symbols")

    def __init__(self, counts: bytes, values: bytes) -> None:
        self.lengths = [0] * 65536
        self.symbols = [0] * 65536
        code = index = 0
        for length in range(1, 17):
            span = 1 << (16 - length)
            for _ in range(counts[length - 1]):
                if code >= 1 << length:
                    raise UnreadableImage("scan.corrupt_image")  # more codes than fit
                start = code * span
                self.lengths[start : start + span] = [length] * span
                self.symbols[start : start + span] = [values[index]] * span
                code += 1
                index += 1
            code <<= 1


class _Bits:
    """The entropy-coded bits of one restart interval (byte stuffing already removed),
    read through a buffer of up to 48 bits."""

    __slots__ = ("buffer", "count", "data", "end", "position")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.end = len(data)
        self.position = 0
        self.buffer = 0
        self.count = 0

    def fill(self) -> None:
        data, position, end, buffer, count = (
            self.data,
            self.position,
            self.end,
            self.buffer,
            self.count,
        )
        while count < 32:
            # Past the end the encoder's padding is 1-bits; far past it the data is corrupt.
            buffer = ((buffer << 8) | (data[position] if position < end else 0xFF)) & 0xFFFFFFFFFFFF
            position += 1
            count += 8
        if position > end + 64:
            raise UnreadableImage("scan.corrupt_image")
        self.position, self.buffer, self.count = position, buffer, count

    def decode(self, table: _Huffman) -> int:
        if self.count < 16:
            self.fill()
        peek = (self.buffer >> (self.count - 16)) & 0xFFFF
        length = table.lengths[peek]
        if length == 0:
            raise UnreadableImage("scan.corrupt_image")
        self.count -= length
        return table.symbols[peek]

    def bits(self, n: int) -> int:
        if self.count < n:
            self.fill()
        self.count -= n
        return (self.buffer >> self.count) & ((1 << n) - 1)

    def signed(self, size: int) -> int:
        if size == 0:
            return 0
        value = self.bits(size)
        return value if value >= 1 << (size - 1) else value - (1 << size) + 1


class _Component:
    __slots__ = ("ac_table", "dc_table", "h", "ident", "predictor", "table", "v")

    def __init__(self, ident: int, h: int, v: int, table: int) -> None:
        self.ident, self.h, self.v, self.table = ident, h, v, table
        self.dc_table = self.ac_table = 0
        self.predictor = 0


def read_grey(data: bytes) -> Grey:
    """The Y channel of a baseline JPEG, at full size or (for large photos) 1/8."""
    quant: dict[int, list[int]] = {}
    dc_tables: dict[int, _Huffman] = {}
    ac_tables: dict[int, _Huffman] = {}
    components: list[_Component] = []
    width = height = restart = 0
    image: _Canvas | None = None
    position = 2
    try:
        while position + 4 <= len(data):
            if data[position] != 0xFF:
                raise UnreadableImage("scan.corrupt_image")
            marker = data[position + 1]
            if marker == 0xFF:
                position += 1
                continue
            if marker == 0xD9:
                break
            (length,) = struct.unpack(">H", data[position + 2 : position + 4])
            body = data[position + 4 : position + 2 + length]
            if len(body) != length - 2:
                raise UnreadableImage("scan.corrupt_image")
            position += 2 + length
            if marker == 0xDB:
                _read_quant(body, quant)
            elif marker == 0xC4:
                _read_huffman(body, dc_tables, ac_tables)
            elif marker in (0xC0, 0xC1):
                height, width, components = _read_frame(body)
                check_size(width, height)
                image = _Canvas(width, height, components, scaled=width * height > FULL_SIZE_LIMIT)
            elif marker in (0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                raise UnreadableImage("scan.unsupported_jpeg")
            elif marker == 0xDD:
                (restart,) = struct.unpack(">H", body[:2])
            elif marker == 0xDA:
                if image is None:
                    raise UnreadableImage("scan.corrupt_image")
                intervals, position = _entropy_data(data, position)
                scan = _read_scan_header(body, components)
                if any(c is image.luma for c in scan):
                    _decode_scan(image, scan, intervals, restart, quant, dc_tables, ac_tables)
    except (IndexError, KeyError, struct.error):
        raise UnreadableImage("scan.corrupt_image") from None
    if image is None:
        raise UnreadableImage("scan.corrupt_image")
    return image.grey()


def _read_quant(body: bytes, quant: dict[int, list[int]]) -> None:
    i = 0
    while i < len(body):
        precision, ident = body[i] >> 4, body[i] & 15
        i += 1
        if precision:
            quant[ident] = list(struct.unpack(">64H", body[i : i + 128]))
            i += 128
        else:
            quant[ident] = list(body[i : i + 64])
            i += 64
        if len(quant[ident]) != 64:
            raise UnreadableImage("scan.corrupt_image")


def _read_huffman(body: bytes, dc: dict[int, _Huffman], ac: dict[int, _Huffman]) -> None:
    i = 0
    while i < len(body):
        kind, ident = body[i] >> 4, body[i] & 15
        counts = body[i + 1 : i + 17]
        total = sum(counts)
        values = body[i + 17 : i + 17 + total]
        if len(counts) != 16 or len(values) != total:
            raise UnreadableImage("scan.corrupt_image")
        (ac if kind else dc)[ident] = _Huffman(counts, values)
        i += 17 + total


def _read_frame(body: bytes) -> tuple[int, int, list[_Component]]:
    precision, height, width, count = struct.unpack(">BHHB", body[:6])
    if precision != 8 or count not in (1, 3, 4):
        raise UnreadableImage("scan.unsupported_jpeg")
    components = []
    for i in range(count):
        ident, sampling, table = body[6 + 3 * i : 9 + 3 * i]
        h, v = sampling >> 4, sampling & 15
        if not (1 <= h <= 4 and 1 <= v <= 4):
            raise UnreadableImage("scan.corrupt_image")
        components.append(_Component(ident, h, v, table))
    return height, width, components


def _read_scan_header(body: bytes, components: list[_Component]) -> list[_Component]:
    by_id = {c.ident: c for c in components}
    scan = []
    for i in range(body[0]):
        ident, tables = body[1 + 2 * i], body[2 + 2 * i]
        component = by_id[ident]
        component.dc_table, component.ac_table = tables >> 4, tables & 15
        component.predictor = 0
        scan.append(component)
    return scan


def _entropy_data(data: bytes, position: int) -> tuple[list[bytes], int]:
    """The scan's restart intervals with stuffing removed, and where the next marker is."""
    intervals: list[bytes] = []
    current = bytearray()
    end = len(data)
    while position < end:
        next_ff = data.find(b"\xff", position)
        if next_ff < 0:
            current += data[position:]
            position = end
            break
        current += data[position:next_ff]
        follower = data[next_ff + 1] if next_ff + 1 < end else 0xD9
        if follower == 0x00:
            current.append(0xFF)
            position = next_ff + 2
        elif 0xD0 <= follower <= 0xD7:
            intervals.append(bytes(current))
            current = bytearray()
            position = next_ff + 2
        elif follower == 0xFF:
            position = next_ff + 1
        else:
            position = next_ff
            break
    intervals.append(bytes(current))
    return intervals, position


class _Canvas:
    """The Y channel being filled block by block."""

    def __init__(
        self, width: int, height: int, components: list[_Component], *, scaled: bool
    ) -> None:
        self.width, self.height = width, height
        self.h_max = max(c.h for c in components)
        self.v_max = max(c.v for c in components)
        self.luma = luma = components[0]
        if (luma.h, luma.v) != (self.h_max, self.v_max):
            raise UnreadableImage("scan.unsupported_jpeg")  # Y at less than full resolution
        self.scale = 8 if scaled else 1
        self.blocks_wide = (width + 7) // 8
        self.blocks_high = (height + 7) // 8
        self.out_width = self.blocks_wide * 8 // self.scale
        self.out_height = self.blocks_high * 8 // self.scale
        self.pixels = bytearray(b"\xff" * (self.out_width * self.out_height))

    def put(self, block_x: int, block_y: int, dc: float, terms: list[tuple[int, float]]) -> None:
        if block_x >= self.blocks_wide or block_y >= self.blocks_high:
            return
        if self.scale == 8:
            self.pixels[block_y * self.out_width + block_x] = _clamp(dc / 8 + 128)
            return
        stride = self.out_width
        base = block_y * 8 * stride + block_x * 8
        if not terms:  # a block of one brightness: no transform needed
            level = bytes([_clamp(dc / 8 + 128)]) * 8
            for y in range(8):
                self.pixels[base + y * stride : base + y * stride + 8] = level
            return
        samples = bytes(_clamp_int(int(v)) for v in _samples(dc, terms))
        for y in range(8):
            row = base + y * stride
            self.pixels[row : row + 8] = samples[y * 8 : y * 8 + 8]

    def grey(self) -> Grey:
        width = (self.width + self.scale - 1) // self.scale
        height = (self.height + self.scale - 1) // self.scale
        if width == self.out_width:
            return Grey(width, height, self.pixels[: width * height])
        cropped = bytearray(width * height)
        for y in range(height):
            cropped[y * width : (y + 1) * width] = self.pixels[
                y * self.out_width : y * self.out_width + width
            ]
        return Grey(width, height, cropped)


def _decode_scan(
    image: _Canvas,
    scan: list[_Component],
    intervals: list[bytes],
    restart: int,
    quant: dict[int, list[int]],
    dc_tables: dict[int, _Huffman],
    ac_tables: dict[int, _Huffman],
) -> None:
    if len(scan) == 1:
        component = scan[0]
        # A single-component scan covers the component's own blocks, not whole MCUs.
        wide = -(-image.width * component.h // image.h_max // 8)
        high = -(-image.height * component.v // image.v_max // 8)
        units = [[(component, x, y)] for y in range(high) for x in range(wide)]
    else:
        mcu_wide = -(-image.width // (8 * image.h_max))
        mcu_high = -(-image.height // (8 * image.v_max))
        units = [
            [
                (c, mx * c.h + bx, my * c.v + by)
                for c in scan
                for by in range(c.v)
                for bx in range(c.h)
            ]
            for my in range(mcu_high)
            for mx in range(mcu_wide)
        ]
    per_interval = restart or len(units)
    for number, unit in enumerate(units):
        if number % per_interval == 0:
            index = number // per_interval
            bits = _Bits(intervals[index] if index < len(intervals) else b"")
            for c in scan:
                c.predictor = 0
        for component, block_x, block_y in unit:
            _block(
                bits,
                component,
                block_x,
                block_y,
                component is image.luma,
                image,
                quant,
                dc_tables,
                ac_tables,
            )


def _block(
    bits: _Bits,
    component: _Component,
    block_x: int,
    block_y: int,
    keep: bool,
    image: _Canvas,
    quant: dict[int, list[int]],
    dc_tables: dict[int, _Huffman],
    ac_tables: dict[int, _Huffman],
) -> None:
    dc = dc_tables[component.dc_table]
    ac = ac_tables[component.ac_table]
    component.predictor += bits.signed(bits.decode(dc))
    coded = _ac_coefficients(bits, ac)  # read even when not kept: it moves the stream on
    if not keep:
        return
    table = quant[component.table]
    terms: list[tuple[int, float]] = [(ZIGZAG[k], value * table[k]) for k, value in coded]
    image.put(block_x, block_y, component.predictor * table[0], terms)


def _samples(dc: float, terms: list[tuple[int, float]]) -> list[float]:
    """The 8×8 inverse DCT as a sum of basis images, one per coefficient that is not 0
    (a camera's blocks have a handful: far cheaper than the full separable transform),
    offset by 128 + 0.5 so that truncation rounds."""
    if len(terms) > _SPARSE:
        return _separable(dc, terms)
    level = dc / 8 + 128.5
    out = [level] * 64
    for index, value in terms:
        out = [o + value * b for o, b in zip(out, _BASIS_IMAGES[index], strict=True)]
    return out


_SPARSE = 10  # past this many terms the separable transform is cheaper


def _ac_coefficients(bits: _Bits, ac: _Huffman) -> list[tuple[int, int]]:
    """A block's AC coefficients that are not 0, as (zig-zag index, value)."""
    coded: list[tuple[int, int]] = []
    k = 1
    while k < 64:
        symbol = bits.decode(ac)
        run, size = symbol >> 4, symbol & 15
        if size == 0:
            if run != 15:
                break  # end of block
            k += 16
            continue
        k += run
        if k > 63:
            raise UnreadableImage("scan.corrupt_image")
        coded.append((k, bits.signed(size)))
        k += 1
    return coded


def _separable(dc: float, terms: list[tuple[int, float]]) -> list[float]:
    """The 8×8 inverse DCT, rows then columns (all-zero rows cost nothing), offset like
    `_samples`."""
    coefficients = [0.0] * 64
    coefficients[0] = dc
    for index, value in terms:
        coefficients[index] = value
    basis = _BASIS
    temp = [0.0] * 64
    for v in range(8):
        c0, c1, c2, c3, c4, c5, c6, c7 = coefficients[v * 8 : v * 8 + 8]
        if not (c0 or c1 or c2 or c3 or c4 or c5 or c6 or c7):
            continue
        for x in range(8):
            b = basis[x]
            temp[v * 8 + x] = (
                b[0] * c0
                + b[1] * c1
                + b[2] * c2
                + b[3] * c3
                + b[4] * c4
                + b[5] * c5
                + b[6] * c6
                + b[7] * c7
            )
    out = [0.0] * 64
    for x in range(8):
        t0, t1, t2, t3, t4, t5, t6, t7 = temp[x::8]
        for y in range(8):
            b = basis[y]
            out[y * 8 + x] = 128.5 + (
                b[0] * t0
                + b[1] * t1
                + b[2] * t2
                + b[3] * t3
                + b[4] * t4
                + b[5] * t5
                + b[6] * t6
                + b[7] * t7
            )
    return out


def _clamp_int(value: int) -> int:
    return 0 if value < 0 else 255 if value > 255 else value


def _clamp(value: float) -> int:
    return 0 if value < 0 else 255 if value > 255 else int(value + 0.5)
