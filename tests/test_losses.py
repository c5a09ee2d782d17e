"""Each loss against its formula on fixed tensors; the penalty against a hand-computed gradient."""

from __future__ import annotations

import math

import pytest
import torch

from ganzoo.losses import build_loss, gradient_penalty

REAL = torch.tensor([2.0, -1.0, 0.5])
FAKE = torch.tensor([-3.0, 0.0, 1.0])


def log_sigmoid(x: float) -> float:
    return math.log(1 / (1 + math.exp(-x)))


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


CASES = {
    "minimax": (
        mean(-log_sigmoid(r) for r in REAL.tolist()) + mean(-math.log(1 - 1 / (1 + math.exp(-f))) for f in FAKE.tolist()),
        mean(math.log(1 - 1 / (1 + math.exp(-f))) for f in FAKE.tolist()),
    ),
    "non-saturating": (
        mean(-log_sigmoid(r) for r in REAL.tolist()) + mean(-math.log(1 - 1 / (1 + math.exp(-f))) for f in FAKE.tolist()),
        mean(-log_sigmoid(f) for f in FAKE.tolist()),
    ),
    "least-squares": (
        0.5 * mean((r - 1) ** 2 for r in REAL.tolist()) + 0.5 * mean(f**2 for f in FAKE.tolist()),
        0.5 * mean((f - 1) ** 2 for f in FAKE.tolist()),
    ),
    "wasserstein": (mean(FAKE.tolist()) - mean(REAL.tolist()), -mean(FAKE.tolist())),
    "wasserstein-gp": (mean(FAKE.tolist()) - mean(REAL.tolist()), -mean(FAKE.tolist())),
    "hinge": (
        mean(max(0, 1 - r) for r in REAL.tolist()) + mean(max(0, 1 + f) for f in FAKE.tolist()),
        -mean(FAKE.tolist()),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_matches_its_formula(name: str) -> None:
    loss = build_loss(name)
    d_expected, g_expected = CASES[name]
    assert float(loss.d_loss(REAL, FAKE)) == pytest.approx(d_expected, rel=1e-6)
    assert float(loss.g_loss(FAKE)) == pytest.approx(g_expected, rel=1e-6)


def test_minimax_is_stable_for_huge_scores() -> None:
    loss = build_loss("minimax")
    assert torch.isfinite(loss.d_loss(torch.tensor([1e4]), torch.tensor([-1e4])))
    assert float(loss.d_loss(torch.tensor([1e4]), torch.tensor([-1e4]))) == pytest.approx(0.0, abs=1e-6)


def test_gradient_penalty_of_a_linear_critic_is_norm_minus_one_squared() -> None:
    w = torch.tensor([3.0, 4.0])  # ||w|| = 5 everywhere, so the penalty is (5 - 1)^2 = 16
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    assert float(gradient_penalty(lambda x: x @ w, real, fake)) == pytest.approx(16.0)
    assert float(build_loss("wasserstein-gp").penalty(lambda x: x @ w, real, fake)) == pytest.approx(160.0)


def test_gradient_penalty_of_a_quadratic_critic_matches_hand_computation() -> None:
    real = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    fake = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
    eps = torch.rand((2, 1), generator=torch.Generator().manual_seed(7))
    x_hat = eps * real + (1 - eps) * fake
    # D(x) = sum x^2  ->  grad = 2 x_hat
    expected = float((((2 * x_hat).norm(dim=1) - 1) ** 2).mean())
    got = gradient_penalty(lambda x: (x**2).sum(dim=1), real, fake, generator=torch.Generator().manual_seed(7))
    assert got.item() == pytest.approx(expected, rel=1e-6)


def test_penalty_gradient_flows_to_critic_parameters() -> None:
    critic = torch.nn.Linear(2, 1)
    penalty = gradient_penalty(critic, torch.randn(4, 2), torch.randn(4, 2))
    penalty.backward()
    assert critic.weight.grad is not None and critic.weight.grad.abs().sum() > 0


def test_losses_are_registered_with_papers() -> None:
    from ganzoo.host import get_host

    names = {spec.name: spec for spec in get_host().registry.losses}
    assert set(CASES) <= set(names)
    assert names["wasserstein-gp"].paper.year == 2017 and names["minimax"].paper.authors.startswith("Goodfellow")


def test_r1_penalty_is_the_squared_gradient_norm_on_real_inputs() -> None:
    from ganzoo.losses import r1_penalty

    w = torch.tensor([3.0, 4.0])  # D(x) = x . w: grad = w everywhere, ||w||^2 = 25
    real = torch.randn(8, 2, requires_grad=True)
    assert float(r1_penalty(real @ w, real)) == pytest.approx(25.0)
    x = torch.tensor([[1.0, 0.0], [0.0, 2.0]], requires_grad=True)  # D(x) = sum x^2: grad 2x, |2x|^2 = 4, 16
    assert float(r1_penalty((x**2).sum(dim=1), x)) == pytest.approx(10.0)
    critic = torch.nn.Linear(2, 1)
    r1_penalty(critic(real).squeeze(1), real).backward()  # the penalty trains D: its gradient reaches D's weights
    assert critic.weight.grad is not None and critic.weight.grad.abs().sum() > 0


@pytest.mark.parametrize(("model", "data", "size"), [("vanilla", "ring", {"hidden": 16}), ("dcgan", "digits", {"width": 8}),
                                                     ("cgan", "digits", {"width": 8})])
def test_each_family_with_r1_adds_it_to_ds_loss(tmp_path, model: str, data: str, size: dict) -> None:
    """--set r1=GAMMA adds GAMMA / 2 * E||grad_x D(x_real)||^2 to D's first loss (same seed, so nothing
    else differs; at initialisation D is flat on points, so the margin is small there: +0.03 measured)."""
    import json

    import ganzoo

    first = {}
    for r1 in (0.0, 100.0):
        run = ganzoo.train(model, data, out=tmp_path, quiet=True, steps=1, batch_size=8, r1=r1, seed=0, log_every=1,
                           **size)
        first[r1] = json.loads((run.dir / "metrics.jsonl").read_text().splitlines()[0])["loss_D"]
    assert first[100.0] > first[0.0] + 0.01, first
