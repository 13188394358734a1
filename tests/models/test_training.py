"""The shared training loop's checkpoint averaging (a tiny regression model stands in for the networks)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from models.training import Snapshots, TrainConfig, set_dropout, train


class _Regression(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, x, y, attention_mask):
        return SimpleNamespace(loss=torch.nn.functional.mse_loss(self.linear(x).squeeze(-1), y))


def _batch(step: int) -> dict:
    g = torch.Generator().manual_seed(step)
    x = torch.randn(8, 2, generator=g)
    return {"x": x, "y": x @ torch.tensor([1.0, -2.0]), "attention_mask": torch.ones(8, 2)}


def test_snapshots_keep_the_last_n_and_average_them(tmp_path):
    model = torch.nn.Linear(2, 1)
    snapshots = Snapshots(tmp_path, keep=2)
    for step, value in ((1, 0.0), (2, 1.0), (3, 3.0)):
        with torch.no_grad():
            model.weight.fill_(value)
            model.bias.fill_(value)
        snapshots.add(model, step)
    assert [f.name for f in snapshots.files()] == ["step_00000002.pt", "step_00000003.pt"]
    mean, steps = snapshots.average()
    assert steps == [2, 3]
    assert torch.equal(mean["weight"], torch.full((1, 2), 2.0)) and torch.equal(mean["bias"], torch.full((1,), 2.0))


@pytest.mark.parametrize("average_scores_higher", [True, False])
def test_the_average_becomes_the_best_model_only_when_it_scores_higher(tmp_path, average_scores_higher):
    model = _Regression()
    calls: list[torch.Tensor] = []
    saved: list[tuple[torch.Tensor, int]] = []

    def evaluate(m) -> dict[str, float]:
        calls.append(m.linear.weight.detach().clone())
        # Evaluations 1-3 are the checkpoints at steps 2, 4, 6; the fourth is the average of the last two.
        return {"score": (10.0 if average_scores_higher else -10.0) if len(calls) == 4 else float(len(calls))}

    def on_best(m, state) -> None:
        saved.append((m.linear.weight.detach().clone(), state.step))

    cfg = TrainConfig(lr=0.05, warmup_steps=1, total_steps=6, eval_every_steps=2, budget_s=600)
    state = train(model, _batch, evaluate, on_best, tmp_path, cfg, "score", average_last=2)
    assert len(calls) == 4
    assert torch.allclose(calls[3], (calls[1] + calls[2]) / 2)
    assert torch.equal(model.linear.weight, calls[2])  # the model keeps its own last weights
    if average_scores_higher:
        assert state.averaged == {"steps": [4, 6], "score": 10.0} and state.best_metric == 10.0
        assert torch.equal(saved[-1][0], calls[3]) and state.record()["averaged"]["steps"] == [4, 6]
    else:
        assert state.averaged is None and state.best_step == 6 and torch.equal(saved[-1][0], calls[2])


def test_set_dropout_reaches_every_dropout_and_the_configuration():
    from transformers import BertConfig, BertForTokenClassification

    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32)
    model = BertForTokenClassification(config)
    assert set_dropout(model, 0.0) > 4  # embeddings, each layer's attention and output, the head
    assert {m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)} == {0.0}
    assert model.config.hidden_dropout_prob == model.config.attention_probs_dropout_prob == 0.0
    # Training mode with no dropout is deterministic: the same input gives the same output twice.
    model.train()
    x = torch.tensor([[1, 2, 3, 4]])
    assert torch.equal(model(x).logits, model(x).logits)
    with pytest.raises(ValueError, match="dropout must be in"):
        set_dropout(model, 1.0)
