"""The PyTorch U-Net (with its mean-mask network, where it has one) back from a shipped ONNX export, so that a
model whose checkpoint was not kept can be validated in Python and fine-tuned. Named initialisers carry the parameter names; the exporter folds each
GroupNorm's affine into anonymous Mul/Add constants, which appear in the graph in the order the norms run, so
they are matched to the GroupNorm modules in the order a forward pass calls them. The caller checks the result
against the export's reference outputs (`reference_error`)."""
import base64
import json
from pathlib import Path

import numpy as np
import torch

from .mean_mask import MeanMaskConfig, build_denoiser
from .unet import UNet, UNetConfig

CONTRACT_PREFIX = "unet."


def unet_from_onnx(onnx_path: Path, cfg: UNetConfig) -> UNet:
    return weights_from_onnx(onnx_path, UNet(cfg))


def denoiser_from_card(card_path: Path) -> torch.nn.Module:
    """The network a shipped card describes (its configuration, mean-mask conditioned or not), weights read back
    from its ONNX file."""
    from .train_loop import CONFIGS
    card = json.loads(Path(card_path).read_text())
    cfg = CONFIGS[card["training"]["config"]]
    mean = card["training"].get("flags", {}).get("meanMask")
    model = build_denoiser(UNetConfig(**cfg["unet"]), MeanMaskConfig(**cfg["mean_mask"]) if mean else None)
    return weights_from_onnx(Path(card_path).with_name(card["file"]), model)


def weights_from_onnx(onnx_path: Path, unet: torch.nn.Module) -> torch.nn.Module:
    """Fill `unet` (forward(image, x_t, t)) with the weights of the ONNX export of the same architecture."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(onnx_path)).graph
    # exports since issue 13 wrap the U-Net in EpsContract, whose parameters are named `unet.<name>`
    inits = {i.name.removeprefix(CONTRACT_PREFIX): numpy_helper.to_array(i) for i in graph.initializer}
    unet = unet.eval()
    sd = unet.state_dict()
    anonymous = []
    for node in graph.node:
        for name in (n.removeprefix(CONTRACT_PREFIX) for n in node.input):
            if name in inits and name not in sd and name not in anonymous:
                anonymous.append(name)
    names = {m: n for n, m in unet.named_modules()}
    order = []
    hooks = [m.register_forward_hook(lambda m, i, o: order.append(names[m]))
             for m in unet.modules() if isinstance(m, torch.nn.GroupNorm)]
    with torch.no_grad():
        unet(torch.zeros(1, 1, 128, 128), torch.zeros(1, 1, 128, 128), torch.tensor([0]))
    for h in hooks:
        h.remove()
    if len(anonymous) != 2 * len(order):
        raise ValueError(f"{onnx_path}: {len(anonymous)} anonymous constants for {len(order)} GroupNorms")
    state = {k: torch.from_numpy(inits[k].copy()) for k in sd if k in inits}
    for j, name in enumerate(order):
        state[f"{name}.weight"] = torch.from_numpy(inits[anonymous[2 * j]].reshape(-1).copy())
        state[f"{name}.bias"] = torch.from_numpy(inits[anonymous[2 * j + 1]].reshape(-1).copy())
    unet.load_state_dict(state)
    return unet


def _array(d: dict) -> torch.Tensor:
    return torch.from_numpy(np.frombuffer(base64.b64decode(d["b64"]), dtype="<f4").reshape(d["dims"]).copy())


def reference_error(model, reference_path: Path) -> float:
    """Max |difference| of (eps, v) against the export's reference outputs."""
    ref = json.loads(Path(reference_path).read_text())
    img, x = _array(ref["inputs"]["image"]), _array(ref["inputs"]["x_t"])
    t = torch.tensor(ref["inputs"]["t"]["values"])
    with torch.no_grad():
        eps, v = model(img, x, t)
    return max(float((eps - _array(ref["outputs"]["eps"])).abs().max()),
               float((v - _array(ref["outputs"]["v"])).abs().max()))
