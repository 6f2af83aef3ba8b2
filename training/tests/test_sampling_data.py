import numpy as np
import pytest
import torch

from caldiff.sampling import ddim_sample, ddim_timesteps, ddpm_sample
from caldiff.schedule import LinearSchedule
from caldiff import data as D


def test_ddim_timesteps():
    ts = ddim_timesteps(1000, 10)
    assert len(ts) == 10 and ts[0] == 999 and ts[-1] == 0 and ts == sorted(ts, reverse=True)
    assert ddim_timesteps(1000, 1000) == list(range(999, -1, -1))


def test_samplers_seeded_and_binary(tiny):
    unet, _, _ = tiny
    s = LinearSchedule(T=1000)
    img = torch.rand(2, 1, 32, 32)
    a = ddim_sample(unet, s, img, 3, 5, seed=7)
    b = ddim_sample(unet, s, img, 3, 5, seed=7)
    assert a.shape == (2, 3, 32, 32) and torch.equal(a, b)
    assert set(torch.unique(a).tolist()) <= {0.0, 1.0}
    s20 = LinearSchedule(T=20)
    c = ddpm_sample(unet, s20, img[:1], 2, seed=1)
    assert c.shape == (1, 2, 32, 32)


def test_split_rule_is_patient_level_and_stable():
    ids = [f"LIDC-IDRI-{i:04d}" for i in range(1, 1013)]
    val = [p for p in ids if D.is_val_patient(p)]
    assert 0.05 < len(val) / len(ids) < 0.15
    assert val == [p for p in ids if D.is_val_patient(p)]


def test_augment_same_transform():
    rng = np.random.default_rng(0)
    im = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    for _ in range(10):
        a, m = D.augment(im, im.copy(), rng)
        assert np.array_equal(a, m)


@pytest.mark.skipif(not D.DEFAULT_DATA.exists(), reason="shared LIDC data not present")
def test_nifti_orientation_and_split_files(tmp_path):
    nd = D.DEFAULT_DATA / "LIDC-IDRI-0001" / "nodule-0"
    import nibabel as nib
    raw = np.asarray(nib.load(str(nd / "image.nii.gz")).dataobj)
    img, masks = D.load_nodule(nd)
    assert img.shape[1:] == (128, 128) and masks.shape[1] == 4
    assert np.array_equal(img[0], raw[:, :, 0].T)  # (column,row) -> (row,column)
    split = D.SPLIT_DIR
    if (split / "val.txt").exists():
        val = split.joinpath("val.txt").read_text().split()
        train = split.joinpath("train.txt").read_text().split()
        assert not set(val) & set(train)
        assert all(D.is_val_patient(p) for p in val) and not any(D.is_val_patient(p) for p in train)


def test_image_evidence_reads_the_estimate_inside_the_union():
    """An oracle whose x0 estimate is the image itself: inside the union the estimate is the image's value there
    with the image shown and 0 with it blanked; a slice no rater marked has no union and is skipped."""
    from types import SimpleNamespace
    from caldiff.sampling import ZERO_ONE
    from caldiff.schedule import _extract
    from caldiff.validation import image_evidence

    schedule = LinearSchedule()

    class Oracle(torch.nn.Module):
        def forward(self, image, x_t, t):
            sa = _extract(schedule.sqrt_alphas_cumprod, t, 4)
            s1 = _extract(schedule.sqrt_one_minus_alphas_cumprod, t, 4)
            return (x_t - sa * image) / s1, torch.zeros_like(x_t)

    H = 16
    disc = np.zeros((H, H), bool)
    disc[5:9, 6:10] = True
    images = np.zeros((3, H, H), np.uint8)
    masks = np.zeros((3, 4, H, H), np.uint8)
    images[0][disc], masks[0, :2][:, disc] = 255, 1   # two raters, image 1.0 inside
    images[1][disc] = 255                             # nobody marked it: skipped
    images[2][disc], masks[2][:, disc] = 51, 1        # four raters, image 0.2 inside
    masks[2, 3, 4, 6] = 1                             # one rater's pixel outside the others: union 17 px
    ds = SimpleNamespace(images=images, masks=masks)
    res = image_evidence(Oracle(), ds, np.arange(3), ZERO_ONE, timesteps=(700, 850), schedule=schedule)
    assert [r["index"] for r in res["rows"]] == [0, 2]
    for t in ("700", "850"):
        g = res["by_raters"][t]["groups"]
        assert abs(g["2"]["image"] - 1.0) < 1e-4 and abs(g["4"]["image"] - 0.2 * 16 / 17) < 1e-4
        assert abs(g["2"]["ideal"] - 0.5) < 1e-9 and abs(g["4"]["ideal"] - (16 + 0.25) / 17) < 1e-9
        assert abs(g["2"]["blank"]) < 1e-4 and abs(g["4"]["blank"]) < 1e-4
        assert g["1"]["slices"] == 0 and g["1"]["image"] is None
        assert abs(res["by_raters"][t]["correlation"] + 1.0) < 1e-6
