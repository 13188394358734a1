"""A character encoder for the punctuator, taken from the trained translator's encoder.

The translator's Marian encoder has read the classical side of ~1M sentence pairs under a far richer
signal (translation) than a short masked-LM run can give, so it is a candidate starting point for the
punctuator. Marian's encoder layers are post-norm like BERT's, with the same attention, feed-forward and
layer norms, so they map one to one. Two parts differ and are approximated:

- Marian scales the token embeddings by sqrt(d_model) and adds fixed sinusoidal positions with no layer
  norm; BERT adds learned positions and normalises the sum. The positions are copied into BERT's table,
  the scale is folded into the token embeddings, and BERT's embedding layer norm is set to restore the
  typical size of the sum (its mean per token is small, so the first layer sees nearly what Marian's did).
- BERT's token-type embedding has no counterpart and is set to zero.
"""

from __future__ import annotations

from pathlib import Path

from models.folder import load_model_folder, read_metadata, save_fp16_folder
from models.punctuator import PunctuatorArch, bert_config, encoder_metadata
from models.translator import ARCHITECTURE as TRANSLATOR_ARCHITECTURE

# BERT layer parameter names -> Marian layer parameter names (weights and biases alike).
_LAYER_MAP = {
    "attention.self.query": "self_attn.q_proj",
    "attention.self.key": "self_attn.k_proj",
    "attention.self.value": "self_attn.v_proj",
    "attention.output.dense": "self_attn.out_proj",
    "attention.output.LayerNorm": "self_attn_layer_norm",
    "intermediate.dense": "fc1",
    "output.dense": "fc2",
    "output.LayerNorm": "final_layer_norm",
}


def is_translator_folder(folder: str | Path) -> bool:
    """Whether ``folder`` holds a wenyuan translator (whose encoder :func:`bert_from_marian` can take)."""
    return read_metadata(folder).get("architecture") == TRANSLATOR_ARCHITECTURE


def bert_from_marian(marian) -> tuple[object, PunctuatorArch]:
    """A ``BertModel`` carrying the encoder of a ``MarianMTModel``, and its architecture."""
    import torch
    from transformers import BertModel

    cfg = marian.config
    if getattr(cfg, "normalize_before", False):
        raise ValueError("pre-norm Marian encoders do not map onto BERT's post-norm layers")
    encoder = marian.get_encoder()
    positions = encoder.embed_positions.weight.detach()
    arch = PunctuatorArch(
        hidden=cfg.d_model,
        layers=cfg.encoder_layers,
        heads=cfg.encoder_attention_heads,
        intermediate=cfg.encoder_ffn_dim,
        max_positions=positions.shape[0],
        dropout=cfg.dropout,
    )
    bert = BertModel(bert_config(cfg.vocab_size, arch, cfg.pad_token_id, hidden_act=cfg.activation_function))
    bert.eval()
    scale = float(encoder.embed_scale)
    tokens = encoder.embed_tokens.weight.detach().float() * scale
    with torch.no_grad():
        emb = bert.embeddings
        emb.word_embeddings.weight.copy_(tokens)
        emb.position_embeddings.weight.copy_(positions.float())
        emb.token_type_embeddings.weight.zero_()
        # The typical spread of (token + position) over the hidden dimensions; the layer norm divides it out.
        picked = torch.arange(min(len(tokens), 4096))
        sample = tokens[picked] + positions[picked % min(128, len(positions))].float()
        emb.LayerNorm.weight.fill_(float(sample.std(dim=-1).mean()))
        emb.LayerNorm.bias.zero_()
        source = dict(encoder.layers.named_parameters())
        for name, param in bert.encoder.layer.named_parameters():
            index, rest = name.split(".", 1)
            module, kind = rest.rsplit(".", 1)
            param.copy_(source[f"{index}.{_LAYER_MAP[module]}.{kind}"].float())
    return bert, arch


def encoder_from_translator(translator: str | Path, out: str | Path) -> Path:
    """Write the encoder of the translator folder ``translator`` as a BERT encoder folder at ``out``, which
    ``wenyuan train-punctuator --init-encoder`` takes like one from ``wenyuan pretrain-encoder``."""
    marian, tokenizer, _, source = load_model_folder(
        translator, TRANSLATOR_ARCHITECTURE, "AutoModelForSeq2SeqLM", device="cpu"
    )
    bert, arch = bert_from_marian(marian)
    taken_from = f"the encoder of {source['name']} {source['version']}"
    meta = encoder_metadata(bert, arch, f"translator-{source['version']}", taken_from=taken_from)
    card = (
        f"# wenyuan character encoder\n\n{meta['taken_from'].capitalize()}, mapped onto BERT's layout"
        " (`models/encoder_transfer.py`).\n"
    )
    save_fp16_folder(bert, tokenizer, out, meta, card)
    return Path(out)


def as_encoder_folder(folder: str | Path, run_dir: str | Path) -> Path:
    """``folder`` itself, or, for a translator folder, its encoder written once under ``run_dir`` (kept there
    so that a resumed run starts from the same weights)."""
    if not is_translator_folder(folder):
        return Path(folder)
    out = Path(run_dir) / "translator_encoder"
    if not (out / "model.safetensors").exists():
        encoder_from_translator(folder, out)
    return out
