import torch

from caldiff.losses import LossFlags, training_losses
from caldiff.schedule import LinearSchedule
from conftest import blob_batch


def test_few_steps_lower_the_loss(tiny):
    unet, mn, cn = tiny
    s = LinearSchedule()
    img, x0 = blob_batch(B=8)
    flags = LossFlags(step_uc=True, seq_uc=2)
    g = torch.Generator().manual_seed(1)
    t = torch.randint(0, 1000, (8,), generator=g)
    noise = torch.randn(x0.shape, generator=g)
    params = list(unet.parameters()) + list(mn.parameters()) + list(cn.parameters())
    opt = torch.optim.Adam(params, lr=2e-3)

    def loss_eval():
        torch.manual_seed(123)
        with torch.no_grad():
            return float(training_losses(unet, s, img, x0, flags, mn, cn, t=t, noise=noise)["loss"])

    before = loss_eval()
    for i in range(40):
        torch.manual_seed(i)
        out = training_losses(unet, s, img, x0, flags, mn, cn, t=t, noise=noise)
        opt.zero_grad()
        out["loss"].backward()
        opt.step()
    after = loss_eval()
    assert after < 0.8 * before, (before, after)


def test_train_cli_flags():
    import train
    a = train.parse_args(["--config", "cpu"])
    assert a.step_uc is True and a.seq_uc == 2
    a = train.parse_args(["--no-step-uc", "--seq-uc", "0"])
    assert a.step_uc is False and a.seq_uc == 0
    a = train.parse_args(["--seq-uc", "4", "--resume", "training/checkpoints/caldiff-cpu.pt"])
    assert a.seq_uc == 4 and a.resume == "training/checkpoints/caldiff-cpu.pt"
    a = train.parse_args(["--prediction", "x0-logit", "--mask-scale=-1/1", "--weighting", "min-snr",
                          "--t-favour", "700", "--seq-form", "paper"])
    assert (a.prediction, a.mask_scale, a.weighting, a.t_favour, a.seq_form) == ("x0-logit", "-1/1", "min-snr",
                                                                               700, "paper")


def test_train_help_prints(capsys):
    import pytest
    import train
    with pytest.raises(SystemExit) as done:
        train.parse_args(["--help"])
    assert done.value.code == 0
    assert "of the timesteps uniformly" in capsys.readouterr().out
