"""The training code's twins against the app, on the fixtures the app's tests read too
(scripts/make-parity-fixtures.ts writes them from src/main/engine/sampler.ts and src/shared/metrics;
src/main/engine/parity-fixtures.test.ts checks the app against the same files)."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from caldiff import metrics as M
from caldiff.sampling import MaskRange, strided_sample
from caldiff.schedule import LinearSchedule

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def bayes_denoiser(schedule: LinearSchedule, low: float, high: float):
    """The twin of src/main/engine/fixtures/bayes-denoiser.ts: x0 = high with probability image, else low."""
    def denoise(image, x, t):
        abar = schedule.alphas_cumprod64[int(t[0])].item()
        sa, var1 = abar ** 0.5, 1 - abar
        p = image.double().clamp(1e-6, 1 - 1e-6)
        xd = x.double()
        llr = ((xd - sa * low) ** 2 - (xd - sa * high) ** 2) / (2 * var1)
        mean = low + (high - low) * torch.sigmoid(torch.log(p / (1 - p)) + llr)
        eps = ((xd - sa * mean) / var1 ** 0.5).float()
        return eps, torch.tanh(x) / 2
    return denoise


def recorded(fixture_case, shape):
    """Replays the app's noise: x_T, then one draw per ancestral step."""
    draws = [fixture_case["noise"]["initial"], *fixture_case["noise"]["steps"]]

    def normal(s):
        assert tuple(s) == tuple(shape)
        return torch.tensor(draws.pop(0), dtype=torch.float32).reshape(s)
    return normal, draws


SAMPLER = json.loads((FIXTURES / "sampler-parity.json").read_text())


@pytest.mark.parametrize("k", range(len(SAMPLER["cases"])))
def test_strided_samplers_equal_the_app_on_its_noise(k):
    fx = SAMPLER
    c = fx["cases"][k]
    sched = LinearSchedule(fx["schedule"]["T"], fx["schedule"]["betaStart"], fx["schedule"]["betaEnd"])
    H, W, n = fx["height"], fx["width"], c["samples"]
    image = torch.tensor(fx["image"], dtype=torch.float32).reshape(1, 1, H, W)
    mask = MaskRange(c["range"]["low"], c["range"]["high"], c["range"]["threshold"])
    inner = bayes_denoiser(sched, mask.low, mask.high)
    seen = []

    def unet(img, x, t):
        seen.append(x.reshape(-1).numpy().copy())
        return inner(img, x, t)

    normal, left = recorded(c, (n, 1, H, W))
    masks = strided_sample(unet, sched, image, n, c["steps"], sampler=c["sampler"], mask=mask, normal=normal)
    assert left == []  # every recorded draw consumed, in the app's order
    assert len(seen) == len(c["timesteps"])
    for mine, app in zip(seen, c["trajectory"]):
        np.testing.assert_allclose(mine, np.asarray(app), atol=2e-5, rtol=1e-5)
    np.testing.assert_array_equal(masks.reshape(n, H * W).numpy().astype(int), np.asarray(c["masks"]))
    # the fixture must exercise both outcomes, or equal masks would prove little
    assert 0 < np.asarray(c["masks"]).mean() < 1


METRICS = json.loads((FIXTURES / "metrics-parity.json").read_text())


@pytest.mark.parametrize("k", range(len(METRICS["cases"])))
def test_metrics_equal_the_workstation_metrics(k):
    c = METRICS["cases"][k]
    H, W = METRICS["height"], METRICS["width"]
    samples = np.asarray(c["samples"], dtype=np.uint8).reshape(-1, H, W)
    raters = np.asarray(c["raters"], dtype=np.uint8).reshape(-1, H, W)
    got = M.all_metrics(samples, raters)
    for name, want in c["expected"].items():
        if want is None:
            assert got[name] is None, name
        else:
            assert got[name] == pytest.approx(want, abs=1e-9), name
