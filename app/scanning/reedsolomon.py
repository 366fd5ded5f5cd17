"""Reed–Solomon error correction over GF(256), as QR codes use it.

The field's polynomial is x⁸ + x⁴ + x³ + x² + 1 (0x11D) and the generator's roots are
α⁰ … α^(n−1). A block is its codewords, the first the highest power. `correct` finds
the errors from the syndromes (Berlekamp–Massey), where they are (Chien search) and
their values (Forney), and raises `TooManyErrors` when the block cannot be repaired.
"""

from __future__ import annotations

from app.domain.errors import DoorstepError

_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _power in range(255, 512):
    _EXP[_power] = _EXP[_power - 255]


class TooManyErrors(DoorstepError, ValueError):
    default_code = "scan.unreadable_code"


def _mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError
    return 0 if a == 0 else _EXP[(_LOG[a] + 255 - _LOG[b]) % 255]


def _poly_eval(poly: list[int], x: int) -> int:
    """`poly` (highest power first) at x."""
    value = poly[0]
    for coefficient in poly[1:]:
        value = _mul(value, x) ^ coefficient
    return value


def _poly_mul(p: list[int], q: list[int]) -> list[int]:
    out = [0] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] ^= _mul(a, b)
    return out


def encode(data: list[int], ec_count: int) -> list[int]:
    """`data` followed by its `ec_count` error-correction codewords."""
    generator = [1]
    for i in range(ec_count):
        generator = _poly_mul(generator, [1, _EXP[i]])
    remainder = list(data) + [0] * ec_count
    for i in range(len(data)):
        factor = remainder[i]
        if factor:
            for j in range(1, len(generator)):
                remainder[i + j] ^= _mul(generator[j], factor)
    return list(data) + remainder[len(data) :]


def correct(block: list[int], ec_count: int) -> list[int]:
    """The block with its errors corrected (at most ec_count // 2 of them)."""
    syndromes = [_poly_eval(block, _EXP[i]) for i in range(ec_count)]
    if not any(syndromes):
        return list(block)
    locator = _error_locator(syndromes, ec_count)
    errors = len(locator) - 1
    if errors * 2 > ec_count:
        raise TooManyErrors()
    n = len(block)
    # Chien search: position p (from the end) is an error when Λ(α^-p) = 0.
    positions = [n - 1 - p for p in range(n) if _poly_eval(locator, _EXP[(255 - p) % 255]) == 0]
    if len(positions) != errors:
        raise TooManyErrors()
    return _forney(block, syndromes, locator, positions)


def _error_locator(syndromes: list[int], ec_count: int) -> list[int]:
    """Berlekamp–Massey: Λ(x), highest power first."""
    locator = [1]
    previous = [1]
    for i in range(ec_count):
        previous = [*previous, 0]
        delta = syndromes[i]
        for j in range(1, len(locator)):
            delta ^= _mul(locator[-1 - j], syndromes[i - j])
        if delta:
            if len(previous) > len(locator):
                new = [_mul(c, delta) for c in previous]
                previous = [_div(c, delta) for c in locator]
                locator = new
            locator = _add(locator, [_mul(c, delta) for c in previous])
    while locator and locator[0] == 0:
        locator = locator[1:]
    return locator


def _add(p: list[int], q: list[int]) -> list[int]:
    size = max(len(p), len(q))
    out = [0] * size
    for i, c in enumerate(p):
        out[i + size - len(p)] = c
    for i, c in enumerate(q):
        out[i + size - len(q)] ^= c
    return out


def _forney(
    block: list[int], syndromes: list[int], locator: list[int], positions: list[int]
) -> list[int]:
    n = len(block)
    # Error evaluator Ω(x) = S(x) Λ(x) mod x^ec, with S(x) = Σ S_i x^i (lowest first here).
    s_low = syndromes
    l_low = list(reversed(locator))
    omega = [0] * len(s_low)
    for i, s in enumerate(s_low):
        for j, lam in enumerate(l_low):
            if i + j < len(omega):
                omega[i + j] ^= _mul(s, lam)
    # Λ'(x): formal derivative, odd powers survive.
    derivative = [l_low[i] if i % 2 == 1 else 0 for i in range(1, len(l_low))]
    corrected = list(block)
    for position in positions:
        power = n - 1 - position
        x_inverse = _EXP[(255 - power) % 255]
        omega_value = _eval_low(omega, x_inverse)
        derivative_value = _eval_low(derivative, x_inverse)
        if derivative_value == 0:
            raise TooManyErrors()
        # With first root α⁰, e = X · Ω(X⁻¹) / Λ'(X⁻¹).
        magnitude = _mul(_EXP[power], _div(omega_value, derivative_value))
        corrected[position] ^= magnitude
    if any(_poly_eval(corrected, _EXP[i]) for i in range(len(syndromes))):
        raise TooManyErrors()
    return corrected


def _eval_low(poly: list[int], x: int) -> int:
    """`poly` (lowest power first) at x."""
    value = 0
    for coefficient in reversed(poly):
        value = _mul(value, x) ^ coefficient
    return value
