"""The training loop: learning-rate schedule, resumable (compact) checkpoints, validation on a fixed list."""
import json

import numpy as np
import pytest
import torch

from caldiff import validation
from caldiff.train_loop import DEFAULT_VAL_EVERY, LR_FLOOR, lr_at, sitting_val_every
from tiny import fake_dataset

def test_lr_warms_up_then_follows_one_cosine_to_the_floor():
    assert lr_at(0, 1.0, 10, 110) == pytest.approx(0.1)
    assert lr_at(9, 1.0, 10, 110) == pytest.approx(1.0)
    assert lr_at(60, 1.0, 10, 110) == pytest.approx(LR_FLOOR + (1 - LR_FLOOR) * 0.5)
    assert lr_at(110, 1.0, 10, 110) == pytest.approx(LR_FLOOR)
    assert lr_at(500, 1.0, 10, 110) == pytest.approx(LR_FLOOR)


@pytest.mark.parametrize("kw", [dict(), dict(prediction="x0-logit", mask_scale="-1/1", step_uc=False, seq_uc=0),
                                dict(prediction="velocity", weighting="min-snr", t_favour=700, seq_form="paper")])
def test_a_sitting_stops_writes_a_compact_checkpoint_and_the_next_continues_it(tiny_loop, tmp_path, kw):
    loop = tiny_loop(**kw)
    loop.opts.iterations = 4
    loop.run()
    assert loop.it == 4 and (tmp_path / "run" / "last.pt").exists()
    val = [h for h in loop.history if "val" in h]
    assert [h["samples"] for h in val] == [4, 8]  # every 4 samples seen (batch 2)
    assert set(val[-1]["val"]) >= {"sncc", "dmax", "ci", "ged", "presenceCorr", "emptyByRaters"}
    assert (tmp_path / "run" / "best.pt").exists()
    rows_file = json.loads((tmp_path / "run" / "val-8.json").read_text())
    assert rows_file["summary"] == val[-1]["val"] and len(rows_file["rows"]) == rows_file["slices"] == 3
    assert rows_file["samples"] == 2 and rows_file["sampler"] == "ddpm"
    assert validation.compare(rows_file["rows"], rows_file["rows"], 2)["ged"]["mean"] in (0.0, None)
    ck = torch.load(str(tmp_path / "compact.pt"))
    assert ck["compact"] and ck["unet"]["inp.weight"].dtype == torch.float16
    moments = next(iter(ck["opt"]["state"].values()))
    assert moments["exp_avg_sq"].dtype == torch.bfloat16 and float(moments["step"]) == 4
    assert ck["options"]["iterations"] == 4 and ck["sittings"][-1]["iterations"] == [0, 4]
    assert sitting_val_every(None, ck) == 4 and sitting_val_every(8, ck) == 8  # a resumed run keeps its cadence
    assert sitting_val_every(None, None) == DEFAULT_VAL_EVERY

    again = tiny_loop(**kw)
    again.load(ck)
    assert again.it == 4 and again.opts.prediction == loop.opts.prediction
    for a, b in zip(again.unet.parameters(), loop.unet.parameters()):
        assert torch.allclose(a, b, atol=2e-3, rtol=2e-3)  # fp16 storage
    for group in again.opt.state.values():
        assert torch.isfinite(group["exp_avg"]).all() and (group["exp_avg_sq"] >= 0).all()
    again.opts.iterations = 6
    again.run()
    assert again.it == 6 and [s["iterations"] for s in again.sittings] == [[0, 4], [4, 6]]


def test_presence_indicators():
    rows = [{"raters_marked": n, "empty_samples": 16 * (4 - n) // 4} for n in range(5)] * 2
    p = validation.presence(rows, 16)
    assert p["correlation"] == pytest.approx(-1.0)
    assert p["emptyByRaters"]["1"] == {"slices": 2, "meanEmpty": 12.0, "ideal": 12.0}
    blind = [{"raters_marked": n, "empty_samples": 7} for n in range(5)]
    assert validation.presence(blind, 16)["correlation"] is None  # constant: undefined, not 0


def test_paired_differences_skip_undefined_slices():
    a = [{"ged": 0.5}, {"ged": 0.4}, {"ged": None}, {"ged": 0.6}]
    b = [{"ged": 0.4}, {"ged": 0.2}, {"ged": 0.1}, {"ged": 0.6}]
    d = validation.paired(a, b, "ged")
    assert d["n"] == 3 and d["mean"] == pytest.approx(-0.1)
    assert d["low"] < d["mean"] < d["high"]


def test_fixed_list_is_written_once_and_read_back(tmp_path):
    ds = fake_dataset(12)
    ds.val_idx = np.arange(2, 12)
    p = tmp_path / "val4.txt"
    first = validation.fixed_slices(ds, 4, p)
    assert list(first) == validation.spread(list(range(2, 12)), 4) == [2, 4, 7, 9]
    ds.val_idx = np.arange(0, 12)  # a different split no longer changes the list
    assert list(validation.fixed_slices(ds, 4, p)) == list(first)


def test_compare_pairs_the_presence_error_and_refuses_other_slices():
    a = [{"index": i, "ged": 0.5, "sncc": 0.8, "dmax": 0.7, "ci": 0.6, "raters_marked": n, "empty_samples": 8}
         for i, n in enumerate([0, 4, 4])]
    b = [dict(r, empty_samples=16 * (4 - r["raters_marked"]) // 4) for r in a]  # the ideal empties
    d = validation.compare(a, b, 16)
    assert d["presenceError"]["mean"] == pytest.approx(-8.0) and d["ged"]["mean"] == 0.0
    with pytest.raises(ValueError):
        validation.compare(a, b[::-1], 16)


def test_compare_reads_the_workstation_eval_csv(tmp_path):
    """`caldiff eval --csv` rows pair by study and slice whatever their order; an undefined CI stays undefined."""
    import compare
    head = "study,patient,slice,raters,ratersMarked,emptySamples,sncc,dmax,sc,da,ci,ged,ms\n"
    rows = ["P-1 nodule-0,P-1,3,4,4,2,0.9,0.8,1,1,0.7,0.3,10", "P-1 nodule-0,P-1,1,4,0,9,0.95,1,,0.5,,0.2,11",
            "P-0 nodule-1,P-0,0,4,1,4,0.85,0.6,1,1,0.5,0.5,12"]
    (tmp_path / "a.csv").write_text(head + "\n".join(rows) + "\n")
    (tmp_path / "b.csv").write_text(head + "\n".join(reversed(rows)).replace("0.3,10", "0.1,10") + "\n")
    a, b = compare.load(str(tmp_path / "a.csv"), 16), compare.load(str(tmp_path / "b.csv"), 16)
    assert [r["index"] for r in a["rows"]] == ["P-0 nodule-1/0", "P-1 nodule-0/1", "P-1 nodule-0/3"]
    assert a["rows"][1]["ci"] is None and a["rows"][1]["raters_marked"] == 0
    assert a["summary"]["ci"] == pytest.approx(0.6) and a["summary"]["ged"] == pytest.approx(1.0 / 3, abs=1e-4)
    d = validation.compare(a["rows"], b["rows"], 16)
    assert d["ged"]["mean"] == pytest.approx(-0.2 / 3) and d["ci"]["n"] == 2


def test_the_groups_by_raters_average_only_their_own_slices_and_skip_undefined_values():
    rows = [{"index": i, "sncc": s, "dmax": 1.0, "sc": sc, "da": 0.5, "ci": sc, "ged": 0.1, "raters_marked": n,
             "empty_samples": e} for i, (n, s, sc, e) in enumerate([(0, 0.9, None, 16), (4, 0.8, 1.0, 2),
                                                                   (4, 0.6, 0.5, 4), (1, 0.7, 0.9, 12)])]
    g = validation.by_raters(rows)
    assert sorted(g) == [0, 1, 4]
    assert g[4]["slices"] == 2 and g[4]["sncc"] == pytest.approx(0.7) and g[4]["empty_samples"] == 3.0
    assert g[0]["sc"] is None and g[0]["ci"] is None and g[0]["sncc"] == 0.9
