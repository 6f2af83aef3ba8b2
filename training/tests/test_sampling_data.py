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
