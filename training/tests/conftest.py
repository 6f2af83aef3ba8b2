import pytest
import torch

# training/ is on sys.path through training/pyproject.toml (pytest's `pythonpath`)
torch.set_num_threads(2)


@pytest.fixture
def tiny():
    from caldiff.unet import UNet, UNetConfig
    from caldiff.calibration_nets import CalibConfig, UncertaintyModelingNet, UncertaintyCalibratingNet
    torch.manual_seed(0)
    unet = UNet(UNetConfig(base=8, mults=(1, 2), blocks=1, attn_levels=(1,), heads=2, patch=2))
    cc = CalibConfig(latent=6, levels=3, base=8, patch=4)
    return unet, UncertaintyModelingNet(cc), UncertaintyCalibratingNet(cc)


def blob_batch(B=4, H=32, seed=0):
    """Synthetic image/mask pairs: a bright disc on noise, mask = the disc."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(H), torch.arange(H), indexing="ij")
    imgs, masks = [], []
    for _ in range(B):
        cy, cx = torch.randint(8, H - 8, (2,), generator=g).tolist()
        r = int(torch.randint(3, 7, (1,), generator=g))
        m = (((yy - cy) ** 2 + (xx - cx) ** 2) <= r * r).float()
        imgs.append((0.2 + 0.6 * m + 0.05 * torch.randn(H, H, generator=g)).clamp(0, 1))
        masks.append(m)
    return torch.stack(imgs)[:, None], torch.stack(masks)[:, None]


@pytest.fixture
def tiny_loop(monkeypatch, tmp_path):
    """make(**options) -> a TrainLoop of the tiny configuration on the synthetic data, writing under tmp_path."""
    from caldiff import train_loop, validation
    from tiny import TINY, fake_dataset
    monkeypatch.setitem(train_loop.CONFIGS, "tiny", TINY)
    monkeypatch.setattr(validation, "SPLITS", tmp_path / "splits")

    def make(**kw):
        opts = train_loop.TrainOptions(config="tiny", name="t", val_slices=3, val_samples=2, val_steps=2, **kw)
        loop = train_loop.TrainLoop(opts, train_loop.Sitting(val_every=4, log_every=1,
                                                             compact=str(tmp_path / "compact.pt")),
                                    ds=fake_dataset())
        loop.run_dir = tmp_path / "run"
        return loop
    return make
