"""Classical→modern Chinese translation: a small Marian encoder-decoder over characters.

``translator.v1``: a ``transformers`` ``MarianMTModel`` trained from scratch with a joint character
vocabulary (source and target share embeddings: both sides are Chinese characters). The shipped folder is a
plain Hugging Face folder (``AutoModelForSeq2SeqLM``/``AutoTokenizer`` load it) plus ``wenyuan.json``.

Inference guards a pipeline against the usual seq2seq failures: traditional input is converted to the
model's simplified script with OpenCC, passages longer than the model was trained on are split at sentence
punctuation and re-joined, output length is bounded by the input's, repeated n-grams are blocked,
characters the vocabulary lacks are copied through from the source instead of vanishing, and what is not
Chinese (Latin words, numbers, text with no Han character) is kept as written rather than "translated".
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from corpora.split_characters import join_split_characters
from models.growth import grown_stack
from wenyuan.chars import has_cjk, is_alphabetic
from wenyuan.script import to_simplified

ARCHITECTURE = "translator.v1"
#: Sentence-final marks a long passage is split after, then clause marks if pieces are still too long.
_SENTENCE_SPLIT = re.compile(r"(?<=[。！？；])")
_CLAUSE_SPLIT = re.compile(r"(?<=[，、：])")
#: What may stand inside a run of alphabetic words ("James Legge", "978-7-101") without ending it.
_WORD_JOINERS = frozenset(" -.,:;'/&")


@dataclass
class TranslatorArch:
    """Size of the Marian model.

    Attributes:
        d_model: hidden size.
        encoder_layers: encoder depth.
        decoder_layers: decoder depth.
        heads: attention heads (encoder and decoder).
        ffn: feed-forward size.
        max_positions: longest sequence (characters + end token).
        dropout: dropout during training.
    """

    d_model: int = 256
    encoder_layers: int = 3
    decoder_layers: int = 3
    heads: int = 4
    ffn: int = 1024
    max_positions: int = 256
    dropout: float = 0.1


def deepen_encoder(model, layers: int):
    """``model`` (a ``MarianMTModel``) with its encoder grown to ``layers`` layers, translating nearly as it did.

    Why the encoder: it runs once per sentence while beam search runs the decoder once per beam and output
    character, so encoder depth costs the pipeline little. Near-identity copies (:func:`models.growth.grown_stack`;
    3 → 6 layers: dev-subset greedy BLEU 22.8 → 23.3 before any training, within noise).
    """
    encoder = model.get_encoder()
    stack = grown_stack(
        encoder.layers,
        layers,
        residual_outputs=lambda layer: [layer.self_attn.out_proj, layer.fc2],
        norms=lambda layer: [layer.self_attn_layer_norm, layer.final_layer_norm],
        output_norm=lambda layer: layer.final_layer_norm,
    )
    for index, layer in enumerate(stack):  # attention layers know their index (for caches); keep it true
        layer.self_attn.layer_idx = index
    encoder.layers = stack
    model.config.encoder_layers = layers
    return model


#: The decoding a model folder recommends (its ``generation_config.json``), which the pipeline and the CLI use
#: unless told otherwise. A length penalty above 1 lets beam search prefer the longer, fuller renderings the
#: references give (greedy output is ~25 % too short); penalty 3.0 and the beam count (4, then 6 since
#: 2026-12-01: 8 gains no more) were chosen on half of the dev books and checked on the other half
#: (``bench/RESULTS.md``), and so was the repetition guard: no 6-gram repeated (4, the earlier guard, cost 0.1
#: BLEU there), which still stops any decoding loop.
RECOMMENDED_DECODING = {"num_beams": 6, "length_penalty": 3.0, "no_repeat_ngram_size": 6}
#: The repetition guard of a folder that names none: generation never runs without one.
REPEAT_GUARD_NGRAM = 6


def build_model(vocab_size: int, arch: TranslatorArch, pad_id: int, eos_id: int):
    """A freshly initialised ``MarianMTModel`` of the given size, with the recommended decoding."""
    from transformers import MarianConfig, MarianMTModel

    config = MarianConfig(
        vocab_size=vocab_size,
        decoder_vocab_size=vocab_size,
        d_model=arch.d_model,
        encoder_layers=arch.encoder_layers,
        decoder_layers=arch.decoder_layers,
        encoder_attention_heads=arch.heads,
        decoder_attention_heads=arch.heads,
        encoder_ffn_dim=arch.ffn,
        decoder_ffn_dim=arch.ffn,
        max_position_embeddings=arch.max_positions,
        dropout=arch.dropout,
        attention_dropout=0.0,
        activation_function="gelu",
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=eos_id,
    )
    model = MarianMTModel(config)
    for key, value in RECOMMENDED_DECODING.items():
        setattr(model.generation_config, key, value)
    return model


def split_passage(text: str, max_chars: int) -> list[str]:
    """Split ``text`` into pieces of at most ``max_chars`` at sentence, then clause, punctuation.

    Unpunctuated runs longer than ``max_chars`` are cut hard; joining the pieces gives ``text`` back.
    """
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    for sentence in filter(None, _SENTENCE_SPLIT.split(text)):
        if len(sentence) <= max_chars:
            pieces.append(sentence)
            continue
        for clause in filter(None, _CLAUSE_SPLIT.split(sentence)):
            pieces.extend(clause[i : i + max_chars] for i in range(0, len(clause), max_chars))
    # Merge neighbours back while they fit: the model translates better with context.
    merged: list[str] = []
    for piece in pieces:
        if merged and len(merged[-1]) + len(piece) <= max_chars:
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def foreign_segments(text: str) -> list[tuple[str, bool]]:
    """Split ``text`` into ``(segment, translate)`` pieces that join back to it: runs of alphabetic words and
    numbers (with the spaces and ASCII marks between them) and pieces with no Han character are kept as they
    are (``translate`` False); the model, trained on Chinese only, would garble them."""
    pieces: list[tuple[str, bool]] = []
    chinese_from = i = 0
    while i < len(text):
        if not is_alphabetic(text[i]):
            i += 1
            continue
        end = j = i + 1
        while j < len(text) and (is_alphabetic(text[j]) or text[j] in _WORD_JOINERS):
            j += 1
            if is_alphabetic(text[j - 1]):
                end = j
        if chinese_from < i:
            pieces.append((text[chinese_from:i], True))
        pieces.append((text[i:end], False))
        chinese_from = i = end
    if chinese_from < len(text):
        pieces.append((text[chinese_from:], True))
    return [(seg, translate and has_cjk(seg)) for seg, translate in pieces]


def bound_length(text: str, limit: int) -> str:
    """Cut a runaway output to ``limit`` characters, at its last sentence or clause mark when there is one.

    Generation is bounded per batch (by its longest input); this bounds each output by its own input.
    """
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(m) for m in "。！？；，")
    return head[: cut + 1] if cut > limit // 2 else head


def restore_unknown(text: str, missing: list[str], unk: str) -> str:
    """Replace each ``unk`` in ``text`` by the next source character the vocabulary lacked (or drop it).

    Out-of-vocabulary characters are mostly rare names and Extension B forms, which a translation keeps.
    """
    missing = list(missing)
    while unk in text:
        text = text.replace(unk, missing.pop(0) if missing else "", 1)
    return text


# ---------------------------------------------------------------------------------------------- training data


def encode_pairs(pairs, tokenizer) -> dict[str, np.ndarray]:
    """Encode ``(src, tgt)`` pairs into flat id arrays with offsets (compact, memory-mappable).

    Each side ends with ``</s>``. Returns arrays ``src``, ``src_off``, ``tgt``, ``tgt_off`` where pair ``i``
    is ``src[src_off[i]:src_off[i + 1]]``.
    """
    vocab = tokenizer.get_vocab()
    unk, eos = vocab[tokenizer.unk_token], vocab[tokenizer.eos_token]
    src: list[int] = []
    tgt: list[int] = []
    src_off, tgt_off = [0], [0]
    for s, t in pairs:
        src.extend(vocab.get(c, unk) for c in s)
        src.append(eos)
        tgt.extend(vocab.get(c, unk) for c in t)
        tgt.append(eos)
        src_off.append(len(src))
        tgt_off.append(len(tgt))
    return {
        "src": np.asarray(src, dtype=np.int32),
        "src_off": np.asarray(src_off, dtype=np.int64),
        "tgt": np.asarray(tgt, dtype=np.int32),
        "tgt_off": np.asarray(tgt_off, dtype=np.int64),
    }


def plan_batches(data: dict[str, np.ndarray], max_tokens: int, seed: int) -> list[np.ndarray]:
    """Group pairs of similar length into batches of at most ``max_tokens`` padded tokens (both sides).

    Sorting by length keeps padding low; a seeded jitter keeps batch composition varied and reproducible.
    """
    src_len = np.diff(data["src_off"])
    tgt_len = np.diff(data["tgt_off"])
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(src_len)), src_len + tgt_len))
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        end, longest = start, 0
        while end < len(order):
            i = order[end]
            longest = max(longest, int(src_len[i] + tgt_len[i]))
            if (end - start + 1) * longest > max_tokens and end > start:
                break
            end += 1
        batches.append(order[start:end])
        start = end
    return batches


def make_batch(data: dict[str, np.ndarray], index: np.ndarray, pad_id: int) -> dict[str, Any]:
    """Padded tensors for the pairs in ``index`` (labels padded with -100 so the loss ignores them)."""
    import torch

    def side(ids: np.ndarray, off: np.ndarray, pad: int) -> torch.Tensor:
        seqs = [ids[off[i] : off[i + 1]] for i in index]
        out = np.full((len(seqs), max(len(s) for s in seqs)), pad, dtype=np.int64)
        for row, seq in enumerate(seqs):
            out[row, : len(seq)] = seq
        return torch.from_numpy(out)

    input_ids = side(data["src"], data["src_off"], pad_id)
    return {
        "input_ids": input_ids,
        "attention_mask": (input_ids != pad_id).long(),
        "labels": side(data["tgt"], data["tgt_off"], -100),
    }


# ---------------------------------------------------------------------------------------------- inference


def block_repeated_ngrams(input_ids, scores, n: int):
    """Forbid every token that would complete an ``n``-gram already in ``input_ids`` (each row alone).

    What ``no_repeat_ngram_size`` does, as a handful of tensor operations per step instead of a Python loop
    over every hypothesis and position (which made OCR'd input, whose outputs run long, the slowest stage).
    """
    import torch

    length = input_ids.shape[1]
    if n < 1 or length < n:
        return scores
    windows = input_ids.unfold(1, n, 1)  # (rows, length - n + 1, n): every n-gram so far
    suffix = input_ids[:, length - n + 1 :]  # the last n - 1 tokens: an n-gram begun
    rows, starts = (windows[:, :, :-1] == suffix[:, None, :]).all(-1).nonzero(as_tuple=True)
    scores[rows, windows[rows, starts, -1]] = -torch.inf
    return scores


class _RepeatGuard:
    """``block_repeated_ngrams`` as a ``transformers`` logits processor."""

    def __init__(self, n: int):
        self.n = n

    def __call__(self, input_ids, scores):
        return block_repeated_ngrams(input_ids, scores, self.n)


class Translator:
    """Batched classical→modern translation with any Hugging Face seq2seq folder.

    Args:
        model: a ``transformers`` seq2seq model.
        tokenizer: its tokenizer.
        device: ``cpu`` or ``cuda``; on CUDA the model runs in fp16.
        beams: beam size (1 = greedy); None takes the folder's ``generation_config`` (``num_beams``, with its
            ``length_penalty``), greedy when it has none. Its ``no_repeat_ngram_size`` is the repetition guard
            (``REPEAT_GUARD_NGRAM`` when it names none).
        batch_size: sentences per generate call (sorted by length to limit padding).
        max_source_chars: longer inputs are split at punctuation and translated piece by piece.
        simplify: convert traditional input to simplified first (the shipped model is trained on simplified).
        name: model name recorded as provenance.
        version: model version recorded as provenance.
    """

    def __init__(
        self,
        model,
        tokenizer,
        device: str = "cpu",
        beams: int | None = None,
        batch_size: int = 32,
        max_source_chars: int = 120,
        simplify: bool = True,
        name: str = "translator",
        version: str = "0",
        checksum: str = "",
    ):
        self.model = model.to(device).eval()
        self.tokenizer = tokenizer
        self.device = device
        generation = getattr(model, "generation_config", None)
        self.beams = beams if beams is not None else int(getattr(generation, "num_beams", None) or 1)
        self.length_penalty = float(getattr(generation, "length_penalty", None) or 1.0)
        self.no_repeat_ngram = int(getattr(generation, "no_repeat_ngram_size", None) or REPEAT_GUARD_NGRAM)
        self.batch_size = batch_size
        self.max_source_chars = max_source_chars
        self.simplify = simplify
        self.name = name
        self.version = version
        self.checksum = checksum
        self._vocab = tokenizer.get_vocab()

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str = "auto", **kwargs: Any) -> Translator:
        """Load a model folder, checking it first; fp16 on CUDA, fp32 on CPU."""
        from models.folder import load_model_folder

        model, tokenizer, dev, provenance = load_model_folder(folder, ARCHITECTURE, "AutoModelForSeq2SeqLM", device)
        return cls(model, tokenizer, dev, **{**provenance, **kwargs})

    def _unknown_chars(self, text: str) -> list[str]:
        return [c for c in text if not c.isspace() and c not in self._vocab]

    def _generate(self, sources: list[str]) -> list[str]:
        import torch
        from transformers import LogitsProcessorList

        enc = self.tokenizer(
            sources, return_tensors="pt", padding=True, truncation=True, max_length=self.max_source_chars + 1
        ).to(self.device)
        longest = int(enc["attention_mask"].sum(1).max())
        with torch.inference_mode():
            out = self.model.generate(
                **enc,
                num_beams=self.beams,
                # The penalty only has a meaning for beam search (transformers warns otherwise).
                length_penalty=self.length_penalty if self.beams > 1 else 1.0,
                do_sample=False,
                # Modern renderings run ~1.5x the classical length; 2x + 10 bounds a runaway decoder.
                max_new_tokens=min(2 * longest + 10, 400),
                no_repeat_ngram_size=0,  # the same guard, vectorised:
                logits_processor=LogitsProcessorList([_RepeatGuard(self.no_repeat_ngram)]),
            )
        texts = self.tokenizer.batch_decode(out, skip_special_tokens=False)
        results = []
        for src, text in zip(sources, texts, strict=True):
            for special in (self.tokenizer.pad_token, self.tokenizer.eos_token):
                text = text.replace(special, "")
            text = restore_unknown(text, self._unknown_chars(src), self.tokenizer.unk_token)
            # The references spell some rare characters in two pieces (朱氵此), and so does the model.
            text = join_split_characters(text, src)
            results.append(bound_length(text, 2 * len(src) + 10))
        return results

    def translate(self, lines: list[str]) -> list[str]:
        """Translate each line (a sentence or passage); empty lines stay empty, order and count kept."""
        # (line, text, translate?): a line's passages, and in them what is not Chinese, kept as written.
        pieces: list[tuple[int, str, bool]] = []
        for i, line in enumerate(lines):
            text = line.strip()
            if not text:
                continue
            if self.simplify:
                text = to_simplified(text)
            for passage in split_passage(text, self.max_source_chars):
                pieces.extend((i, seg, translate) for seg, translate in foreign_segments(passage))
        todo = sorted((k for k, p in enumerate(pieces) if p[2]), key=lambda k: len(pieces[k][1]))
        translated = [text for _, text, _ in pieces]
        for start in range(0, len(todo), self.batch_size):
            chunk = todo[start : start + self.batch_size]
            for k, text in zip(chunk, self._generate([pieces[k][1].strip() for k in chunk]), strict=True):
                # The spaces at a segment's edges (beside a kept Latin run) stay; the model would drop them.
                seg = pieces[k][1]
                translated[k] = seg[: len(seg) - len(seg.lstrip())] + text + seg[len(seg.rstrip()) :]
        out = [""] * len(lines)
        for (i, _, _), text in zip(pieces, translated, strict=True):
            out[i] += text
        return out


def evaluate_translator(translator: Translator, sources: list[str], references: list[str]) -> dict[str, float]:
    """BLEU (sacrebleu, ``tokenize="zh"``) and chrF of ``translator`` and of copying the source, plus speed."""
    import sacrebleu

    start = time.perf_counter()
    hyps = translator.translate(sources)
    elapsed = time.perf_counter() - start
    bleu = sacrebleu.corpus_bleu(hyps, [references], tokenize="zh")
    chrf = sacrebleu.corpus_chrf(hyps, [references])
    copy_bleu = sacrebleu.corpus_bleu(sources, [references], tokenize="zh")
    copy_chrf = sacrebleu.corpus_chrf(sources, [references])
    return {
        "bleu": round(bleu.score, 2),
        "chrf": round(chrf.score, 2),
        "copy_bleu": round(copy_bleu.score, 2),
        "copy_chrf": round(copy_chrf.score, 2),
        "sentences": len(sources),
        "sentences_per_s": round(len(sources) / max(elapsed, 1e-9), 2),
    }
