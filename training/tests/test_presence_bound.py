"""The presence bound: the binomial model of empty samples, the calibration of a reader, the variance split between
nodules, the stack context at a stack's ends, and a reader trained alone with that context."""
from types import SimpleNamespace

import numpy as np

from caldiff import presence_bound as pb
from caldiff.mean_mask import MeanMaskConfig
from tiny import fake_dataset


def stacks(lengths=(3, 2)):
    """Nodules of the given stack lengths; slice values say which slice they are (1, 2, ...)."""
    n = sum(lengths)
    meta = [["P-0", f"nodule-{k}", j] for k, L in enumerate(lengths) for j in range(L)]
    images = np.stack([np.full((4, 4), 10 * (i + 1), np.uint8) for i in range(n)])
    return SimpleNamespace(images=images, meta=meta)


def test_a_reader_that_knows_the_share_bounds_presence_near_minus_one_and_a_blind_one_near_zero():
    rng = np.random.default_rng(0)
    marked = rng.integers(0, 5, 600)
    share = marked / 4
    knows = pb.presence_bound(share, marked, draws=50)
    assert knows["presenceCorr"] < -0.85
    assert np.allclose(knows["emptyByRaters"], [16, 12, 8, 4, 0], atol=0.3)
    blind = pb.presence_bound(np.full(600, share.mean()), marked, draws=50)
    assert abs(blind["presenceCorr"]) < 0.1


def test_the_calibration_maps_a_reader_to_the_share_of_its_bin():
    rng = np.random.default_rng(1)
    share = rng.integers(0, 5, 4000) / 4
    pred = np.sqrt(share) + rng.normal(0, 0.05, 4000)  # monotone in the share, on another scale
    calibrate = pb.binned_calibration(pred, share)
    assert np.abs(calibrate(np.sqrt(np.array([0.0, 0.5, 1.0]))) - [0.0, 0.5, 1.0]).max() < 0.15


def test_the_variance_between_nodules_is_one_when_every_slice_of_a_nodule_is_alike():
    ds = stacks((3, 2))
    idx = np.arange(5)
    assert pb.between_nodule_variance(ds, idx, np.array([0.25, 0.25, 0.25, 1.0, 1.0])) == 1.0
    assert pb.between_nodule_variance(ds, idx, np.array([0.0, 1.0, 0.5, 0.0, 1.0])) == 0.0


def test_the_stack_context_stops_at_the_nodule_s_ends():
    ds = stacks((3, 2))
    first = pb.stack_context(ds, 0, 1)
    assert first.shape == (3, 4, 4)
    assert first[0].max() == 0 and np.allclose(first[1:, 0, 0] * 255, [10, 20])
    last = pb.stack_context(ds, 2, 2)  # the next nodule's slices are not this one's context
    assert np.allclose(last[:, 0, 0] * 255, [10, 20, 30, 0, 0])


def test_a_reader_trained_alone_with_context_lowers_its_loss_and_reads_its_own_inputs():
    ds = fake_dataset(8)
    cfg = MeanMaskConfig(base=8, mults=(1, 2), patch=4, in_channels=3)
    before = pb.reader_peaks(pb.train_reader(ds, 1, 0, cfg=cfg, log=lambda _: None), ds, ds.val_idx, 1)
    logs = []
    net = pb.train_reader(ds, 1, 60, batch=4, lr=3e-3, cfg=cfg, log=logs.append)
    after = pb.reader_peaks(net, ds, ds.val_idx, 1)
    assert net.inp.in_channels == 3 * 16
    assert logs[-1].startswith("reader: 60 iterations")
    # the output starts at the ~1 % lesion prior and learns that the discs are lesion
    assert before.max() < 0.05 and after.max() > before.max() + 0.1


def test_a_noisier_synthetic_reader_correlates_less_and_bounds_presence_less():
    marked = np.random.default_rng(2).integers(0, 5, 800)
    rows = pb.synthetic_readers(marked, spreads=(0.1, 0.5))
    assert rows[0]["readerCorr"] > rows[1]["readerCorr"] and rows[0]["presenceCorr"] < rows[1]["presenceCorr"] < 0


def test_marked_counts_are_the_raters_with_any_mark():
    ds = fake_dataset(7)
    assert list(pb.marked_counts(ds, np.arange(7))) == [0, 1, 2, 3, 4, 0, 1]


def test_the_latent_ceiling_recovers_what_a_model_knowing_p_reaches_on_slices_selected_by_a_mark():
    rng = np.random.default_rng(0)
    p = rng.beta(0.3, 0.4, 200_000)
    marked = rng.binomial(4, p)
    seen = marked > 0                      # the data keep only slices some rater marked
    empty = rng.binomial(16, 1 - p[seen])
    ceiling = pb.latent_ceiling(marked[seen])
    assert abs(ceiling["presenceCorr"] - np.corrcoef(marked[seen], empty)[0, 1]) < 0.02
    assert abs(ceiling["latentShareCorr"] - np.corrcoef(marked[seen], p[seen])[0, 1]) < 0.02
    assert np.allclose(ceiling["fittedCounts"], np.bincount(marked[seen])[1:], rtol=0.02)


def outlined_stacks():
    """Nodule A of three slices (rater 1 outlines a 4x4 square of 200 on 50 in the first, nobody marks the second,
    rater 0 a 2x2 square in the third) and nodule B of one slice."""
    images = np.full((4, 16, 16), 50, np.uint8)
    masks = np.zeros((4, 4, 16, 16), np.uint8)
    images[0, 4:8, 4:8] = 200
    masks[0, 1, 4:8, 4:8] = 1
    masks[2, 0, 6:8, 6:8] = masks[2, 3, 6:8, 6:8] = 1
    masks[3, 0, :3, :3] = 1
    meta = [["P-0", "nodule-A", j] for j in range(3)] + [["P-0", "nodule-B", 0]]
    return SimpleNamespace(images=images, masks=masks, meta=meta)


def test_the_outline_features_read_the_first_marking_rater_s_outline_and_the_nodule_s_stack():
    ds = outlined_stacks()
    f = dict(zip(pb.OUTLINE_FEATURES, pb.outline_features(ds, np.arange(4)).T))
    assert list(f["area"]) == [16, 0, 4, 9]
    assert np.isclose(f["mean inside"][0], 200 / 255) and np.isclose(f["mean of the ring around it"][0], 50 / 255)
    assert np.isclose(f["contrast"][0], 150 / 255) and f["spread inside"][0] == 0
    assert f["contrast"][1] == 0  # nobody outlined it
    assert list(f["the nodule's largest area"]) == [16, 16, 16, 9]
    assert list(f["slices in the stack"]) == [3, 3, 3, 1]
    assert list(f["slices to the stack's end"]) == [0, 1, 0, 0]


def test_the_quadratic_fit_recovers_a_quadratic_in_each_column():
    x = np.random.default_rng(3).normal(size=(500, 2))
    y = (x[:, 0] - 1) ** 2 + 2 * x[:, 1]
    assert np.allclose(pb.quadratic_fit(x, y)(x), y, atol=1e-8)


def test_the_patient_effect_sees_a_residual_shared_by_a_patient_s_nodules_and_not_an_independent_one():
    rng = np.random.default_rng(4)
    meta = [[f"P-{p}", f"nodule-{k}", 0] for p in range(200) for k in range(3)]
    ds = SimpleNamespace(meta=meta)
    shared = np.repeat(rng.normal(size=200), 3) + 0.1 * rng.normal(size=600)
    follows = pb.patient_effect(ds, np.arange(600), shared)
    assert follows["pairs"] == 600 and follows["corr"] > 0.9
    assert abs(pb.patient_effect(ds, np.arange(600), rng.normal(size=600))["corr"]) < 0.15


def test_a_set_with_a_given_number_of_empty_samples_takes_the_first_of_each_kind_and_fills_from_the_other():
    pool = np.zeros((10, 2, 2), np.uint8)
    for j in (1, 2, 4, 7, 8):                  # five samples with a lesion, each marked with its draw
        pool[j, 1, 1] = j
    def drawn(chosen):
        return sorted(int(c[1, 1]) if c.any() else -1 for c in chosen)
    assert drawn(pb.with_empty(pool, 2, 4)) == [-1, -1, 1, 2]
    assert drawn(pb.with_empty(pool, 0, 6)) == [-1, 1, 2, 4, 7, 8]     # only five with a lesion
    assert drawn(pb.with_empty(pool, 9, 7)) == [-1] * 5 + [1, 2]        # only five empty
    assert len(pb.with_empty(pool, 3, 7)) == 7
