"""Character-level punctuation model (``punctuator.v1``): a small BERT token classifier trained from scratch.

The model reads simplified characters (the script of its training corpus); traditional input is mapped to
simplified one character at a time with OpenCC, so positions stay aligned with the page text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from corpora.punct import LABEL_TO_ID, PUNCT_LABELS, extract_labels, is_punctuation, mark_may_follow
from models.char_classifier import CharClassifier, CharEncoder, sweep_bias
from models.growth import grown_stack
from wenyuan.chars import has_cjk

ARCHITECTURE = "punctuator.v1"
#: A bare character encoder of the punctuator's shape (pre-trained, or taken from the translator).
ENCODER_ARCHITECTURE = "char-encoder.v1"


@dataclass
class PunctuatorArch:
    """Architecture of a new punctuator (ignored when resuming or loading)."""

    hidden: int = 256
    layers: int = 4
    heads: int = 4
    intermediate: int = 1024
    max_positions: int = 512
    dropout: float = 0.1


#: What a token classifier over the punctuation labels adds to its configuration.
LABEL_CONFIG = {
    "num_labels": len(PUNCT_LABELS),
    "id2label": dict(enumerate(PUNCT_LABELS)),
    "label2id": dict(LABEL_TO_ID),
}


def bert_config(vocab_size: int, arch: PunctuatorArch, pad_id: int = 0, **extra):
    """The BERT configuration of a punctuator of ``arch`` (shared by the classifier and its MLM encoder)."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=arch.hidden,
        num_hidden_layers=arch.layers,
        num_attention_heads=arch.heads,
        intermediate_size=arch.intermediate,
        max_position_embeddings=arch.max_positions,
        hidden_dropout_prob=arch.dropout,
        attention_probs_dropout_prob=arch.dropout,
        type_vocab_size=1,
        pad_token_id=pad_id,
        **extra,
    )


def encoder_metadata(model, arch: PunctuatorArch, version: str, **extra) -> dict:
    """The ``wenyuan.json`` of a character-encoder folder, which ``train-punctuator --init-encoder`` reads."""
    return {
        "name": "wenyuan-char-encoder",
        "architecture": ENCODER_ARCHITECTURE,
        "version": version,
        "arch": asdict(arch),
        "parameters": sum(p.numel() for p in model.parameters()),
        **extra,
    }


def build_model(vocab_size: int, arch: PunctuatorArch, pad_id: int = 0):
    """A freshly initialised ``BertForTokenClassification`` over the punctuation label set."""
    from transformers import BertForTokenClassification

    return BertForTokenClassification(bert_config(vocab_size, arch, pad_id, **LABEL_CONFIG))


def build_masked_lm(vocab_size: int, arch: PunctuatorArch, pad_id: int = 0):
    """A freshly initialised ``BertForMaskedLM`` of the punctuator's shape, to pre-train its encoder."""
    from transformers import BertForMaskedLM

    return BertForMaskedLM(bert_config(vocab_size, arch, pad_id))


def deepen_encoder(model, layers: int):
    """``model`` (a BERT classifier) with its encoder grown to ``layers`` layers, computing nearly what it did
    (:func:`models.growth.grown_stack`; 4 → 6 layers: dev segmentation F1 0.815 → 0.813 before any training)."""
    stack = grown_stack(
        model.bert.encoder.layer,
        layers,
        residual_outputs=lambda layer: [layer.attention.output.dense, layer.output.dense],
        norms=lambda layer: [layer.attention.output.LayerNorm, layer.output.LayerNorm],
        output_norm=lambda layer: layer.output.LayerNorm,
    )
    for index, layer in enumerate(stack):  # attention layers know their index (for caches); keep it true
        if hasattr(layer.attention.self, "layer_idx"):
            layer.attention.self.layer_idx = index
    model.bert.encoder.layer = stack
    model.config.num_hidden_layers = layers
    return model


def masked_positions_loss(model, batch: dict):
    """The masked-LM loss of a ``BertForMaskedLM``, with its head run only where ``labels`` asks.

    Equal to ``model(**batch).loss``, but BERT's head projects every position onto the whole vocabulary
    while only a sixth or so of them carry a label; skipping the rest makes pre-training steps cheaper.
    """
    import torch

    labels = batch["labels"]
    hidden = model.bert(input_ids=batch["input_ids"], attention_mask=batch.get("attention_mask"))[0]
    chosen = labels != -100
    return torch.nn.functional.cross_entropy(model.cls(hidden[chosen]), labels[chosen])


#: The token that stands between paragraphs in training and around each text at inference.
BOUNDARY_TOKEN = "[SEP]"
#: Label of a text-boundary token in the training arrays: no loss is taken there.
IGNORED_LABEL = -100


def encode_labelled(texts, encoder: CharEncoder, boundary_id: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate labelled paragraphs into one id array and one label array (streams its input).

    With ``boundary_id``, that token stands before every paragraph and after the last (labelled
    ``IGNORED_LABEL``): random training windows then show where a text ends, as inference shows it
    (``CharClassifier`` with a ``boundary_token``). Without it, a paragraph's end is always followed by the
    next paragraph, so the end of an input is a situation the model never saw.
    """
    ids: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    edge = None if boundary_id is None else (np.array([boundary_id], np.int32), np.array([IGNORED_LABEL], np.int8))
    for lt in texts:
        if edge is not None:
            ids.append(edge[0])
            labels.append(edge[1])
        ids.append(encoder.encode(lt.chars))
        labels.append(np.fromiter((LABEL_TO_ID[x] for x in lt.labels), dtype=np.int8, count=len(lt.labels)))
    if edge is not None:
        ids.append(edge[0])
        labels.append(edge[1])
    return np.concatenate(ids), np.concatenate(labels)


def _window_index(rng: np.random.Generator, n: int, batch: int, length: int) -> np.ndarray:
    """Indices of ``batch`` random windows of ``length`` into a corpus of ``n`` items, one row each."""
    starts = rng.integers(0, n - length, size=batch)
    return starts[:, None] + np.arange(length)[None, :]


def masked_window_batch(
    ids: np.ndarray,
    step: int,
    seed: int,
    batch: int,
    length: int,
    mask_id: int,
    char_ids: tuple[int, int],
    p: float = 0.15,
) -> dict:
    """Random windows of the concatenated corpus with a share ``p`` of positions to predict (BERT's masking:
    80 % shown as the mask token, 10 % as a random character, 10 % unchanged), a pure function of ``step``.

    ``char_ids``: the first and last id random replacements are drawn from (characters, not specials); the
    caller works them out once, not per batch.
    """
    import torch

    rng = np.random.default_rng([seed, step, 1])
    inputs = ids[_window_index(rng, len(ids), batch, length)].astype(np.int64)
    chosen = rng.random(inputs.shape) < p
    labels = np.where(chosen, inputs, -100)
    how = rng.random(inputs.shape)
    inputs[chosen & (how < 0.8)] = mask_id
    swap = chosen & (how >= 0.8) & (how < 0.9)
    inputs[swap] = rng.integers(char_ids[0], char_ids[1] + 1, size=int(swap.sum()))
    return {
        "input_ids": torch.from_numpy(inputs),
        "attention_mask": torch.ones((batch, length), dtype=torch.long),
        "labels": torch.from_numpy(labels),
    }


def window_batch(ids: np.ndarray, labels: np.ndarray, step: int, seed: int, batch: int, length: int) -> dict:
    """Random windows of the concatenated corpus, a pure function of ``step`` (for exact resume)."""
    import torch

    idx = _window_index(np.random.default_rng([seed, step]), len(ids), batch, length)
    return {
        "input_ids": torch.from_numpy(ids[idx].astype(np.int64)),
        "attention_mask": torch.ones((batch, length), dtype=torch.long),
        "labels": torch.from_numpy(labels[idx].astype(np.int64)),
    }


class Punctuator(CharClassifier):
    """Inserts editorial punctuation into unpunctuated classical text, one label per character (the mark that
    follows it). ``bias`` (the no-mark bias) is calibrated on dev when a model is trained
    (``calibrate_no_mark_bias``): the model alone under-predicts breaks."""

    architecture = ARCHITECTURE
    bias_key = "no_mark_bias"

    def predict_labels(self, texts: list[str]) -> list[list[str]]:
        """One label per character of each (unpunctuated) text; none where a mark may not stand
        (:func:`corpora.punct.mark_may_follow`: inside a Latin word or number, before a combining mark), and
        none in a text without a Han character (there is no classical Chinese to punctuate)."""
        out = [["O"] * len(text) for text in texts]
        chinese = [i for i, text in enumerate(texts) if has_cjk(text)]  # the model reads only these
        for i, logits in zip(chinese, self.predict_logits([texts[i] for i in chinese]), strict=True):
            text = texts[i]
            labels = self.decode(logits)
            allowed = (mark_may_follow(ch, text[k + 1] if k + 1 < len(text) else None) for k, ch in enumerate(text))
            out[i] = [lab if ok else "O" for lab, ok in zip(labels, allowed, strict=True)]
        return out

    def decode(self, logits: np.ndarray, bias: float | None = None) -> list[str]:
        """Labels from per-character logits (``predict_logits``), with the no-mark bias applied."""
        return [self.labels[i] for i in self.biased(logits, bias).argmax(-1)]

    def punctuate(self, texts: list[str]) -> list[str]:
        """Insert marks into each text; existing marks, spaces and all other characters stay as they are.

        A character already followed by a mark gets no predicted mark, so punctuated input keeps its own.
        """
        stripped: list[str] = []
        keep: list[list[int]] = []
        for text in texts:
            positions = [i for i, ch in enumerate(text) if not is_punctuation(ch)]
            keep.append(positions)
            stripped.append("".join(text[i] for i in positions))
        predicted = self.predict_labels(stripped)
        out = []
        for text, positions, labels in zip(texts, keep, predicted, strict=True):
            insert_after = dict(zip(positions, labels, strict=True))
            pieces = []
            for i, ch in enumerate(text):
                pieces.append(ch)
                label = insert_after.get(i, "O")
                followed_by_mark = i + 1 < len(text) and is_punctuation(text[i + 1]) and not text[i + 1].isspace()
                if label != "O" and not followed_by_mark:
                    pieces.append(label)
            out.append("".join(pieces))
        return out


def evaluate_punctuator(punctuator: Punctuator, paragraphs: list[str]) -> dict[str, object]:
    """Score ``punctuator`` on punctuated gold paragraphs (marks stripped for input)."""
    from models.metrics import punctuation_scores

    gold = [extract_labels(p) for p in paragraphs]
    pred = punctuator.predict_labels([g.chars for g in gold])
    return punctuation_scores(((p, g.labels) for p, g in zip(pred, gold, strict=True)), PUNCT_LABELS[1:])


def calibrate_no_mark_bias(
    punctuator: Punctuator, paragraphs: list[str], grid: tuple[float, ...] = tuple(x / 4 for x in range(-12, 3))
) -> tuple[float, float]:
    """The no-mark bias from ``grid`` with the best segmentation F1 on ``paragraphs``, and that F1.

    The model runs once; only the argmax is repeated per bias. Ties go to the bias nearest zero.
    """
    from models.metrics import punctuation_scores

    gold = [extract_labels(p) for p in paragraphs]
    logits = punctuator.predict_logits([g.chars for g in gold])

    def segmentation_f1(bias: float) -> float:
        pred = [punctuator.decode(lg, bias) for lg in logits]
        scores = punctuation_scores(((p, g.labels) for p, g in zip(pred, gold, strict=True)), PUNCT_LABELS[1:])
        return scores["segmentation"]["f1"]

    return sweep_bias(grid, segmentation_f1, key=float)
