import numpy as np
import pytest

from caldiff import metrics as M


def disc(c, r, H=16):
    yy, xx = np.mgrid[:H, :H]
    return ((yy - c[0]) ** 2 + (xx - c[1]) ** 2 <= r * r).astype(np.uint8)


def test_dice_iou_empty():
    e = np.zeros((4, 4))
    assert M.dice(e, e) == 1.0 and M.iou(e, e) == 1.0
    a = np.zeros((4, 4)); a[0, 0] = 1
    assert M.dice(a, e) == 0.0 and M.iou(a, e) == 0.0


def test_ged_zero_when_samples_are_raters_and_symmetric():
    R = np.stack([disc((8, 8), 3), disc((7, 8), 4), disc((8, 9), 2), np.zeros((16, 16), np.uint8)])
    assert M.ged2(R, R) == pytest.approx(0.0, abs=1e-12)
    S = np.stack([disc((5, 5), 3)] * 3)
    assert M.ged2(S, R) > 0
    assert M.ged2(S, R) == pytest.approx(M.ged2(S[::-1], R))


def test_ged_hand_case():
    a = np.zeros((1, 2, 2)); a[0, 0, 0] = 1
    b = np.zeros((1, 2, 2)); b[0, 1, 1] = 1
    # d(s,y) = 1, self-pairs 0 -> GED^2 = 2
    assert M.ged2(a, b) == pytest.approx(2.0)


def test_ci_and_dmax():
    R = np.stack([disc((8, 8), 3), disc((8, 8), 3)])
    S = np.stack([disc((8, 8), 3), disc((8, 8), 3)])
    assert M.dmax(S, R) == 1.0
    assert M.sc(S, R) == 1.0
    assert M.da(S, R) == 1.0
    assert M.ci(S, R) == pytest.approx(1.0)
    # CI = 3 ScDmaxDa / (Sc + Dmax + Da) (not the harmonic mean)
    s, d, a = 0.5, 0.8, 0.9
    assert 3 * s * d * a / (s + d + a) != pytest.approx(3 / (1 / s + 1 / d + 1 / a))


def test_undefined_values_are_none():
    R = np.zeros((4, 16, 16), np.uint8)
    S = np.stack([disc((8, 8), 3)] * 4)
    assert M.sc(S, R) is None and M.ci(S, R) is None
    # all samples identical -> constant uncertainty map -> NCC undefined
    R2 = np.stack([disc((8, 8), 3), disc((8, 8), 2)])
    assert M.sncc(S, R2) is None
    assert M.da(S[:1], R2) is None


def test_uncertainty_map_natural_log():
    # Two disagreeing samples, mean 0.5: each sample's CE against the mean is -(0.5 log(1+eps) + 0.5 log(eps)).
    S = np.stack([np.ones((2, 2)), np.zeros((2, 2))])
    u = M.uncertainty_map(S)
    assert np.allclose(u, -0.5 * np.log(1e-8) - 0.5 * np.log(1 + 1e-8), atol=1e-6)
    # Samples that agree carry no uncertainty.
    assert np.allclose(M.uncertainty_map(np.stack([np.ones((2, 2))] * 3)), 0.0, atol=1e-6)
