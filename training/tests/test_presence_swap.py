"""presence_swap.py: the four sets of 16 differ only in their empty samples, and the parts merge into one
validation record per set, in the order of the fixed list."""
import json
from types import SimpleNamespace

import numpy as np

import presence_swap
from caldiff.metrics import all_metrics
from tiny import fake_dataset


def pools(ds, n=32):
    """Per slice: a pool of n draws, every third one empty, the rest the union of the raters' masks."""
    out = []
    for i in range(len(ds.masks)):
        pool = np.repeat(ds.masks[i].max(0, keepdims=True), n, axis=0)
        pool[::3] = 0
        out.append(pool)
    return out


def test_the_sets_keep_the_draws_and_change_only_how_many_are_empty():
    ds = fake_dataset(5)
    pool = pools(ds)[4]                        # four raters; 11 of the 32 draws empty
    sets = presence_swap.sets_of(pool, 4, 0.75, np.random.default_rng(0), 16)
    empty = {k: int((s.reshape(16, -1).max(1) == 0).sum()) for k, s in sets.items()}
    assert empty["plain"] == 6 and empty["ideal"] == 0 and empty["reader-noiseless"] == 4
    assert all(len(s) == 16 for s in sets.values())


def test_the_parts_merge_into_one_record_per_set_in_the_list_s_order(tmp_path):
    ds = fake_dataset(6)
    args = SimpleNamespace(samples=16, steps=10, seed=0, pool=32, slices=6)
    for part in range(2):
        rows = {name: [] for name in presence_swap.SETS}
        for order in range(part, 6, 2):
            marked = int(ds.masks[order].reshape(4, -1).max(1).sum())
            sets = presence_swap.sets_of(pools(ds)[order], marked, 0.5, np.random.default_rng(order), 16)
            for name, chosen in sets.items():
                rows[name].append({**all_metrics(chosen, ds.masks[order]), "index": order, "order": order,
                                   "raters_marked": marked,
                                   "empty_samples": int((chosen.reshape(16, -1).max(1) == 0).sum())})
        (tmp_path / f"part-{part}-of-2.json").write_text(json.dumps({"model": "m", "seconds": 1.5, "rows": rows}))
        presence_swap.merge(tmp_path, 2, "m", args)
        assert (tmp_path / "ideal.json").exists() == (part == 1)   # written when the last part is in
    ideal = json.loads((tmp_path / "ideal.json").read_text())
    assert [r["order"] for r in ideal["rows"]] == list(range(6)) and ideal["seconds"] == 3.0
    # 16 (4 - k) / 4 for k = 0..4, 0 raters again; one rater wants 12 of the pool's 11 empty draws
    assert [r["empty_samples"] for r in ideal["rows"]] == [16, 11, 8, 4, 0, 16]
    assert ideal["summary"]["presenceCorr"] < -0.99
