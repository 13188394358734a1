"""Growing a trained post-norm transformer stack deeper, so that it computes nearly what it did.

Why: on two cores a deeper model trained from scratch would not catch up with a shipped one within a
session, so the shipped one is grown instead and training continues from where it stands. Each new layer
starts as a copy of the layer it follows with its residual branches' output projections zeroed, so it
passes its input on, and with that layer's output layer norm in each of its norms, so the re-normalisation
changes little. The punctuator (BERT layers) and the translator (Marian encoder layers) both use it; only
the names of the parts differ.
"""

from __future__ import annotations

import copy
from collections.abc import Callable


def inserted_after(layers: int, new: int) -> list[int]:
    """Which of ``layers`` layers each of ``new`` inserted layers follows: spread over the middle of the
    stack (4 layers, 2 new: after layers 1 and 2), where a copy disturbs least."""
    return [(layers - 1) * (i + 1) // (new + 1) for i in range(new)]


def grown_stack(
    stack,
    layers: int,
    residual_outputs: Callable[[object], list],
    norms: Callable[[object], list],
    output_norm: Callable[[object], object],
):
    """A new ``ModuleList`` of ``layers`` layers: ``stack``'s own, with near-identity copies inserted.

    ``residual_outputs(layer)``: the linear layers that end each residual branch (zeroed in a copy);
    ``norms(layer)``: the copy's layer norms, each set to ``output_norm(layer)`` of the layer copied.
    """
    import torch

    if layers < len(stack):
        raise ValueError(f"cannot deepen a {len(stack)}-layer stack to {layers} layers")
    after = inserted_after(len(stack), layers - len(stack))
    grown = torch.nn.ModuleList()
    for i, layer in enumerate(stack):
        grown.append(layer)
        for _ in range(after.count(i)):
            new = copy.deepcopy(layer)
            with torch.no_grad():
                for dense in residual_outputs(new):
                    dense.weight.zero_()
                    dense.bias.zero_()
                for norm in norms(new):
                    norm.load_state_dict(output_norm(layer).state_dict())
            grown.append(new)
    return grown
