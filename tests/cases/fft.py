"""Derivative cases: np.fft (jaccli.primitives.fft) inside real -> real functions, every
transform with n / s, axis / axes and each norm; the reference is central differences of the
real function, which is where a wrong adjoint (rfft / irfft's Hermitian weighting) shows."""
import numpy as np

from .table import case, normal

F = np.fft
NORMS = ("backward", "ortho", "forward")


def _reim(z):
    """Both parts of a complex result, weighted differently so neither can hide."""
    return np.real(z) + 0.7 * np.imag(z)


for _norm in NORMS:
    case(f"fft-fft-{_norm}", lambda x, nm=_norm: _reim(F.fft(x, norm=nm)), normal((5,)))
    case(f"fft-ifft-{_norm}", lambda x, nm=_norm: _reim(F.ifft(x * (1 - 2j), norm=nm)),
         normal((6,)))
    case(f"fft-rfft-{_norm}", lambda x, nm=_norm: _reim(F.rfft(x, norm=nm)), normal((6,)))
    case(f"fft-irfft-{_norm}", lambda x, nm=_norm: F.irfft(x * (1 + 0.5j) + 1j * x ** 2, norm=nm),
         normal((4,)))
    case(f"fft-fftn-{_norm}", lambda x, nm=_norm: _reim(F.fftn(x, norm=nm)), normal((2, 3)))
    case(f"fft-irfftn-{_norm}", lambda x, nm=_norm: F.irfftn(x * (2 - 1j), norm=nm),
         normal((3, 3)))

case("fft-fft-n_pad", lambda x: np.abs(F.fft(x, n=7)), normal((4,)))
case("fft-fft-n_trunc_axis0", lambda x: _reim(F.fft(x, n=2, axis=0)), normal((3, 2)))
case("fft-ifft-axis0_n", lambda x: _reim(F.ifft(x + 1j, n=4, axis=0)), normal((3, 2)))
case("fft-fft2", lambda x: _reim(F.fft2(x)), normal((3, 4)))
case("fft-fft2-s_axes", lambda x: _reim(F.fft2(x, s=(2, 5), axes=(1, 0))), normal((3, 4)))
case("fft-ifft2", lambda x: _reim(F.ifft2(x * 1j + x ** 2, norm="ortho")), normal((2, 3)))
case("fft-fftn-axes", lambda x: _reim(F.fftn(x, axes=(0, 2))), normal((2, 2, 3)))
case("fft-ifftn-s", lambda x: _reim(F.ifftn(x, s=(3, 2), axes=(0, 1))), normal((2, 3)))
case("fft-rfft-odd_n", lambda x: _reim(F.rfft(x, n=7)), normal((5,)))
case("fft-rfft-axis0", lambda x: _reim(F.rfft(x, axis=0)), normal((4, 2)))
case("fft-rfft2", lambda x: _reim(F.rfft2(x)), normal((3, 4)))
case("fft-rfftn-s", lambda x: _reim(F.rfftn(x, s=(2, 5), axes=(0, 1))), normal((3, 4)))
case("fft-rfftn-axes", lambda x: _reim(F.rfftn(x, axes=(1, 0), norm="ortho")), normal((3, 4)))
case("fft-irfft-n_odd", lambda x: F.irfft(x * (1 + 2j), n=7), normal((4,)))
case("fft-irfft-n_even_pad", lambda x: F.irfft(x * (1 + 2j), n=10, norm="forward"), normal((4,)))
case("fft-irfft-axis0", lambda x: F.irfft(x * (1 + 2j) + x ** 2, axis=0), normal((3, 2)))
case("fft-irfft2", lambda x: F.irfft2(x * (2 - 1j) + 1j * x ** 2), normal((3, 3)))
case("fft-irfft2-s", lambda x: F.irfft2(x * (2 - 1j), s=(4, 5)), normal((3, 3)))
case("fft-irfftn-axes", lambda x: F.irfftn(x * (1 + 1j), axes=(0,)), normal((3, 2)))
case("fft-shifts", lambda x: _reim(F.ifftshift(F.fftshift(F.fft2(x)) * (1 + 1j), axes=0)),
     normal((3, 4)))
case("fft-round_trip", lambda x: F.irfft(F.rfft(x ** 3), n=5), normal((5,)))
case("fft-spectral_derivative", lambda x: F.irfft(1j * 2 * np.pi * F.rfftfreq(8) * F.rfft(
    np.sin(x)), n=8), normal((8,)))
case("fft-convolution", lambda x: np.real(F.ifft(F.fft(x) * F.fft(x[::-1] ** 2))),
     normal((5,)))
case("fft-power_spectrum", lambda x: np.abs(F.rfft(x)) ** 2 + F.fftfreq(4)[:3], normal((4,)))
