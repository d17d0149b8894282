"""The match model: weights, JSON, EM, the joint fit, calibration from reviewers' decisions, name frequencies."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kompeten.linkage.compare import FIELDS, LEVELS
from kompeten.linkage.model import (
    Decision,
    Model,
    NameFrequencies,
    calibrate,
    crowd,
    default_model,
    em,
    fit,
    fit_labelled,
    probability,
)


def fs_model() -> Model:
    return Model(w=None, tf_scale=1.0, crowd_scale=0.0)  # plain Fellegi–Sunter: weights log2(m/u)


def simulate(model: Model, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Level codes drawn from the model's own m/u (fields independent given match status)."""
    rng = np.random.default_rng(seed)
    same = rng.random(n) < model.prior
    codes = np.zeros((n, len(FIELDS)), dtype=np.int64)
    for j, name in enumerate(FIELDS):
        m = np.asarray(model.m[name][1:])
        u = np.asarray(model.u[name][1:])
        codes[same, j] = rng.choice(np.arange(1, len(m) + 1), size=int(same.sum()), p=m / m.sum())
        codes[~same, j] = rng.choice(np.arange(1, len(u) + 1), size=int((~same).sum()), p=u / u.sum())
    return codes, same


def test_weights_are_log2_bayes_factors():
    model = fs_model()
    for name in FIELDS:
        w = model.weights(name)
        assert w[0] == 0  # missing adds nothing
        for k, label in enumerate(LEVELS[name]):
            if label in ("missing", "implied"):  # counted by the NIK level
                assert w[k] == 0
            else:
                assert w[k] == pytest.approx(math.log2(model.m[name][k] / model.u[name][k]))
    assert model.prior_weight == pytest.approx(math.log2(model.prior / (1 - model.prior)))


def test_contributions_add_up_to_the_weight():
    model = default_model()
    codes = np.array([[1, 1, 1, 1, 1, 1, 1, 1, 0, 2]])
    tf = np.array([1.5])
    weight = float(model.score(codes, tf, np.array([2.0]))[0])
    parts = model.contributions(codes[0], 1.5, 2.0)
    assert sum(parts.values()) == pytest.approx(weight, abs=0.01)
    assert set(parts) == {"prior", *FIELDS, "name_tf", "crowd"}


def test_decide_three_ways():
    model = default_model()
    w = np.array([model.low_weight - 1, (model.low_weight + model.high_weight) / 2, model.high_weight + 1])
    assert model.decide(w).tolist() == [0, 1, 2]
    assert probability(model.high_weight) == pytest.approx(model.high)


def test_json_round_trip():
    model = default_model()
    again = Model.from_json(model.to_json())
    assert again.version == model.version
    for name in FIELDS:
        assert np.allclose(again.weights(name), model.weights(name))
    assert again.tf_scale == model.tf_scale and again.low == model.low and again.high == model.high
    assert again.crowd_scale == model.crowd_scale < 0
    assert again.names.tokens == model.names.tokens


def test_json_with_other_levels_is_refused():
    data = default_model().to_dict()
    data["levels"]["nik"] = ["missing", "exact", "else"]
    with pytest.raises(ValueError, match="levels of nik"):
        Model.from_dict(data)


def test_em_recovers_independent_parameters():
    truth = fs_model()
    codes, _same = simulate(truth, 60_000, seed=1)
    start = fs_model()
    # A rough start: every field's m and u flattened halfway to uniform.
    for name in FIELDS:
        k = len(LEVELS[name]) - 1
        start.m[name] = [1.0] + [0.5 * x + 0.5 / k for x in truth.m[name][1:]]
        start.u[name] = [1.0] + [0.5 * x + 0.5 / k for x in truth.u[name][1:]]
    got = em(start, codes, iterations=200, pseudo=0.0)
    assert got.prior == pytest.approx(truth.prior, abs=0.02)
    assert got.w is None and got.version.endswith("+em")
    for name in ("nik", "name", "birth_date"):
        assert np.allclose(got.m[name][1:], truth.m[name][1:], atol=0.04)
        assert np.allclose(got.u[name][1:], truth.u[name][1:], atol=0.04)


def _log_loss(model, codes, same):
    p = np.clip(probability(model.score(codes)), 1e-9, 1 - 1e-9)
    return float(-np.mean(np.where(same, np.log(p), np.log(1 - p))))


def test_joint_fit_corrects_for_dependent_fields():
    """Phone and KK agree together among non-matches (a household): plain FS counts that evidence twice."""
    rng = np.random.default_rng(2)
    n = 40_000
    same = rng.random(n) < 0.3
    codes = np.zeros((n, len(FIELDS)), dtype=np.int64)
    name, phone, kk = FIELDS.index("name"), FIELDS.index("phone"), FIELDS.index("kk")
    codes[:, name] = np.where(same, np.where(rng.random(n) < 0.8, 1, 5), np.where(rng.random(n) < 0.3, 1, 5))
    household = np.where(same, rng.random(n) < 0.7, rng.random(n) < 0.4)
    codes[:, phone] = np.where(household, 1, 2)
    codes[:, kk] = np.where(household, 1, 2)
    plain = fit_labelled(fs_model(), codes, same)
    joint = fit(plain, codes, same)
    assert _log_loss(joint, codes, same) < 0.97 * _log_loss(plain, codes, same)
    assert joint.version.endswith("+fit") and joint.w is not None
    assert joint.prior == pytest.approx(0.3, abs=0.2)
    # Together, phone and KK now weigh about what one of them weighed alone.
    both = joint.weights("phone")[1] - joint.weights("phone")[2] + joint.weights("kk")[1] - joint.weights("kk")[2]
    one = plain.weights("phone")[1] - plain.weights("phone")[2]
    assert both == pytest.approx(one, abs=0.3)


def test_fit_keeps_the_weights_of_levels_not_seen():
    model = default_model()
    codes = np.zeros((200, len(FIELDS)), dtype=np.int64)
    codes[:, FIELDS.index("name")] = np.r_[np.ones(100), np.full(100, 5)]
    same = codes[:, FIELDS.index("name")] == 1
    got = fit(model, codes, same)
    assert got.weights("email")[1] == pytest.approx(model.weights("email")[1], abs=1e-3)
    assert got.weights("name")[1] > got.weights("name")[5]


def test_calibrate_moves_weights_towards_the_decisions():
    model = default_model()
    levels = {"nik": "missing", "name": "jw>=0.88", "birth_date": "exact", "sex": "agree"}
    before = model.weights("name")[LEVELS["name"].index("jw>=0.88")]
    decisions = [Decision(levels=levels, same=True) for _ in range(300)]
    after_model = calibrate(model, decisions)
    after = after_model.weights("name")[LEVELS["name"].index("jw>=0.88")]
    assert after > before
    assert after_model.prior == model.prior  # reviewed pairs are not a sample of all pairs
    assert after_model.version.endswith("+cal300")
    # Tuples (levels, same) are accepted; few decisions move the weights less than many.
    few = calibrate(model, [(levels, True)] * 5).weights("name")[LEVELS["name"].index("jw>=0.88")]
    assert before < few < after
    assert calibrate(model, []) is model
    # Calibrating a calibrated model counts again from its version's base.
    assert calibrate(after_model, [(levels, False)]).version.endswith("+cal1")


def test_calibrate_counts_m_and_u():
    model = default_model()
    levels = {"email": "exact"}
    got = calibrate(model, [Decision(levels=levels, same=False)] * 1000)
    assert got.u["email"][1] > model.u["email"][1]


def test_name_frequencies():
    names = NameFrequencies.count([("muhammad", "rizki")] * 50 + [("muhammad", "yusuf")] * 30
                                  + [(f"name{i}", "kristianto") for i in range(20)] + [("yohanes", "kristianto")])
    assert names.tokens["muhammad"] == pytest.approx(80 / 101)
    common = names.adjustment(("muhammad", "rizki"))
    rare = names.adjustment(("yohanes", "kristianto"))
    assert common < rare
    assert common >= -6 and rare <= 4  # clipped


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 100), min_size=len(FIELDS), max_size=len(FIELDS)), st.floats(-6, 4))
def test_probability_and_contributions(raw, tf):
    model = default_model()
    codes = np.array([[r % len(LEVELS[name]) for r, name in zip(raw, FIELDS, strict=True)]])
    w = float(model.score(codes, np.array([tf]))[0])
    p = float(probability(w))
    assert 0 <= p <= 1
    assert sum(model.contributions(codes[0], tf).values()) == pytest.approx(w, abs=0.02)


def test_crowd():
    assert crowd(np.array([1, 2, 8]), np.array([1, 2, 8])).tolist() == [0.0, 0.0, 2.0]
    model = default_model()
    codes = np.zeros((2, len(FIELDS)), dtype=np.int64)
    crowded, alone = model.score(codes, None, np.array([3.0, 0.0]))
    assert crowded == pytest.approx(alone + 3 * model.crowd_scale, abs=1e-4) and crowded < alone
