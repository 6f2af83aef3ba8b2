"""LIDC-IDRI (128x128 crops, 4 raters) from the shared NIfTI stacks.

- NIfTI array index order is (column, row, slice): each slice is transposed to (row, column).
- image: uint8 windowed CT / 255 -> [0, 1]; masks: uint8 0/1.
- One slice = one example with its 4 rater masks; each draw picks one rater at random.
- Deterministic patient-level split: sha256(patient id) mod 10 == 0 -> validation (~10 %).
- Preprocessed arrays are cached as .npy under training/data-cache/ (git-ignored).
"""
import hashlib
import json
import os
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = Path(os.environ.get("CALDIFF_DATA", ROOT.parent / "shared" / "data" / "lidc-idri"))
if not DEFAULT_DATA.exists():
    DEFAULT_DATA = ROOT / "shared" / "data" / "lidc-idri"
CACHE_DIR = ROOT / "training" / "data-cache"
SPLIT_DIR = ROOT / "training" / "splits"
CACHE_VERSION = 1
VAL_MODULUS = 10
SPLIT_RULE = "patient-level: int(sha256(patient_id).hexdigest(), 16) % 10 == 0 -> validation"


def is_val_patient(patient_id: str) -> bool:
    return int(hashlib.sha256(patient_id.encode("utf-8")).hexdigest(), 16) % VAL_MODULUS == 0


def load_nodule(nodule_dir: Path) -> Tuple[np.ndarray, np.ndarray]:
    """-> image uint8 [S,128,128] (row, col), masks uint8 [S,4,128,128]."""
    import nibabel as nib

    img = np.asarray(nib.load(str(nodule_dir / "image.nii.gz")).dataobj, dtype=np.uint8)
    raters = [np.asarray(nib.load(str(nodule_dir / f"rater-{r}.nii.gz")).dataobj, dtype=np.uint8) for r in range(4)]
    image = np.ascontiguousarray(img.transpose(2, 1, 0))  # (col,row,slice) -> (slice,row,col)
    masks = np.ascontiguousarray(np.stack([(m > 0).astype(np.uint8).transpose(2, 1, 0) for m in raters], axis=1))
    return image, masks


def build_cache(data_dir: Path = DEFAULT_DATA, cache_dir: Path = CACHE_DIR, verbose: bool = True) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = cache_dir / f"lidc-v{CACHE_VERSION}"
    if (out / "meta.json").exists():
        return out
    tmp = cache_dir / f"lidc-v{CACHE_VERSION}.tmp{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    images, masks, meta = [], [], []
    patients = sorted(p.name for p in data_dir.iterdir() if p.is_dir() and p.name.startswith("LIDC-IDRI-"))
    for i, pid in enumerate(patients):
        nodules = sorted((data_dir / pid).iterdir(), key=lambda p: int(p.name.split("-")[-1]))
        for nd in nodules:
            im, ms = load_nodule(nd)
            for s in range(im.shape[0]):
                meta.append([pid, nd.name, s])
            images.append(im)
            masks.append(ms)
        if verbose and i % 100 == 0:
            print(f"cache: {i}/{len(patients)} patients", flush=True)
    np.save(tmp / "images.npy", np.concatenate(images, 0))
    np.save(tmp / "masks.npy", np.concatenate(masks, 0))
    with open(tmp / "meta.json", "w") as f:
        json.dump({"data_dir": str(data_dir), "slices": meta}, f)
    os.replace(tmp, out) if not out.exists() else None
    return out


class LIDC:
    """All slices in memory (memory-mapped); split by patient."""

    def __init__(self, data_dir: Path = DEFAULT_DATA, cache_dir: Path = CACHE_DIR, write_splits: bool = True):
        c = build_cache(data_dir, cache_dir)
        self.images = np.load(c / "images.npy", mmap_mode="r")
        self.masks = np.load(c / "masks.npy", mmap_mode="r")
        meta = json.load(open(c / "meta.json"))["slices"]
        self.meta = meta
        self.patients = sorted({m[0] for m in meta})
        val_p = {p for p in self.patients if is_val_patient(p)}
        self.val_patients = sorted(val_p)
        self.train_patients = sorted(set(self.patients) - val_p)
        self.val_idx = np.array([i for i, m in enumerate(meta) if m[0] in val_p], dtype=np.int64)
        self.train_idx = np.array([i for i, m in enumerate(meta) if m[0] not in val_p], dtype=np.int64)
        if write_splits:
            self.write_splits()

    def write_splits(self, split_dir: Path = SPLIT_DIR):
        split_dir.mkdir(parents=True, exist_ok=True)
        for name, pats in (("train", self.train_patients), ("val", self.val_patients)):
            text = "\n".join(pats) + "\n"
            p = split_dir / f"{name}.txt"
            if not p.exists() or p.read_text() != text:
                p.write_text(text)

    def split_summary(self) -> str:
        return (f"{len(self.train_patients)} train / {len(self.val_patients)} val patients, "
                f"{len(self.train_idx)} / {len(self.val_idx)} slices; {SPLIT_RULE}")

    def example(self, i: int):
        """-> image float32 [1,H,W] in [0,1], masks float32 [4,H,W] in {0,1}."""
        return (self.images[i].astype(np.float32) / 255.0)[None], self.masks[i].astype(np.float32)


def augment(image: np.ndarray, mask: np.ndarray, rng: np.random.Generator):
    """Random horizontal/vertical flips and 90-degree rotations, identical for image and mask."""
    k = int(rng.integers(4))
    if k:
        image = np.rot90(image, k, axes=(-2, -1))
        mask = np.rot90(mask, k, axes=(-2, -1))
    if rng.random() < 0.5:
        image = image[..., ::-1]
        mask = mask[..., ::-1]
    return np.ascontiguousarray(image), np.ascontiguousarray(mask)


def train_batch(ds: LIDC, batch: int, rng: np.random.Generator, idx: Optional[np.ndarray] = None,
                aug: bool = True):
    """A random batch: image [B,1,H,W], x0 = one randomly drawn rater's mask [B,1,H,W]."""
    import torch

    idx = ds.train_idx if idx is None else idx
    sel = rng.choice(idx, size=batch, replace=True)
    ims, xs = [], []
    for i in sel:
        im = ds.images[i].astype(np.float32)[None] / 255.0
        r = int(rng.integers(4))
        m = ds.masks[i, r].astype(np.float32)[None]
        if aug:
            im, m = augment(im, m, rng)
        ims.append(im)
        xs.append(m)
    return torch.from_numpy(np.stack(ims)), torch.from_numpy(np.stack(xs))
