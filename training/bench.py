"""CPU timing of the U-Net sizes considered for the `cpu` configuration (torch, 2 threads):
forward time for a batch of 16 (one DDIM step of 16 samples), a plain fwd+bwd step, and a full
CalDiff training iteration (Step-UC + Seq-UC S=2, batch 16).

  /usr/bin/python3 training/bench.py
"""
import time

import torch

from caldiff.calibration_nets import CalibConfig, UncertaintyModelingNet, UncertaintyCalibratingNet
from caldiff.losses import LossFlags, training_losses
from caldiff.schedule import LinearSchedule
from caldiff.unet import UNet, UNetConfig, count_parameters

SIZES = {
    "p1-b16 (full-res, 4 levels)": UNetConfig(base=16, mults=(1, 2, 4, 4), blocks=1, attn_levels=(3,), patch=1),
    "p2-b24": UNetConfig(base=24, mults=(1, 2, 2, 2), blocks=1, attn_levels=(3,), patch=2),
    "p2-b32 (shipped cpu config)": UNetConfig(base=32, mults=(1, 2, 2, 2), blocks=1, attn_levels=(3,), patch=2),
    "p4-b48": UNetConfig(base=48, mults=(1, 2, 2), blocks=1, attn_levels=(2,), patch=4),
}


def main(threads=2, reps=5):
    torch.set_num_threads(threads)
    s = LinearSchedule()
    print(f"torch {torch.__version__}, {threads} threads")
    print("| U-Net | params | fwd batch 16 (s) | 16 samples x 10 DDIM steps (s) | train iter, full CalDiff, batch 16 (s) |")
    print("|---|---|---|---|---|")
    for name, cfg in SIZES.items():
        torch.manual_seed(0)
        m = UNet(cfg)
        mn, cn = UncertaintyModelingNet(CalibConfig(base=16)), UncertaintyCalibratingNet(CalibConfig(base=16))
        x = torch.rand(16, 1, 128, 128)
        t = torch.randint(0, 1000, (16,))
        m.eval()
        with torch.no_grad():
            m(x, x, t)
            ts = []
            for _ in range(reps):
                t0 = time.perf_counter()
                m(x, x, t)
                ts.append(time.perf_counter() - t0)
        fwd = sorted(ts)[len(ts) // 2]
        m.train()
        params = list(m.parameters()) + list(mn.parameters()) + list(cn.parameters())
        opt = torch.optim.AdamW(params, 1e-4)
        x0 = (torch.rand(16, 1, 128, 128) > 0.9).float()
        tt = []
        for _ in range(3):
            t0 = time.perf_counter()
            out = training_losses(m, s, x, x0, LossFlags(True, 2), mn, cn)
            opt.zero_grad()
            out["loss"].backward()
            opt.step()
            tt.append(time.perf_counter() - t0)
        it = sorted(tt)[1]
        print(f"| {name} | {count_parameters(m):,} | {fwd:.3f} | {10 * fwd:.2f} | {it:.2f} |", flush=True)


if __name__ == "__main__":
    main()
