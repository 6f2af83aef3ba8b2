"""PyTorch forward time of the CalDiff U-Net of one training configuration, for `npm run bench:sampling`.

Random weights: a forward pass costs the same whatever the weight values, so this times the shipped
architecture without needing its checkpoint. Prints one JSON line.

    /usr/bin/python3 scripts/bench-sampling-torch.py --config cpu --threads 2
"""
import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import torch  # noqa: E402

from caldiff.unet import UNet, UNetConfig, count_parameters  # noqa: E402
from train import CONFIGS  # noqa: E402


def forward_ms(unet, batch, repeats):
    image = torch.full((batch, 1, 128, 128), 0.5)
    x = torch.randn(batch, 1, 128, 128)
    with torch.no_grad():
        unet(image, x, torch.full((batch,), 500, dtype=torch.long))  # warm-up
        times = []
        for r in range(repeats):
            t = torch.full((batch,), (r * 97) % 1000, dtype=torch.long)
            start = time.perf_counter()
            unet(image, x, t)
            times.append((time.perf_counter() - start) * 1000)
    return min(times)  # best of N, as the onnxruntime side: other processes only ever add time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, choices=sorted(CONFIGS))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    unet = UNet(UNetConfig(**CONFIGS[args.config]["unet"])).eval()
    print(json.dumps({
        "torchVersion": torch.__version__,
        "threads": args.threads,
        "parameters": count_parameters(unet),
        "batch1Ms": forward_ms(unet, 1, 20),
        "batch16Ms": forward_ms(unet, 16, 8),
    }))


if __name__ == "__main__":
    main()
