"""Character-level tokenizer that ``transformers`` saves and loads with a model.

Classical Chinese has no word boundaries and the OCR output is a stream of characters, so one token per
character is the natural unit. The tokenizer is a ``tokenizers`` WordLevel model whose pre-tokenizer splits
every Unicode scalar apart (astral-plane characters such as CJK Extension B stay one token, mapped to
``[UNK]`` when unseen), wrapped in ``PreTrainedTokenizerFast`` so ``AutoTokenizer.from_pretrained`` loads it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "</s>"]


def count_characters(texts: Iterable[str]) -> Counter[str]:
    """Count every non-space character of ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(ch for ch in text if not ch.isspace())
    return counts


def build_char_tokenizer(counts: Counter[str], max_size: int = 8000, min_count: int = 2, append_eos: bool = False):
    """Build a fast character tokenizer from character counts.

    Args:
        counts: character frequencies from the training data.
        max_size: vocabulary size including the special tokens.
        min_count: characters seen fewer times than this map to ``[UNK]``.
        append_eos: end every encoded sequence with ``</s>`` (what a seq2seq encoder expects).

    Returns:
        A ``transformers.PreTrainedTokenizerFast`` with ``[PAD]``/``[UNK]``/``[CLS]``/``[SEP]``/``[MASK]``
        and ``</s>`` as end-of-sequence.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIAL_TOKENS)}
    for ch, n in counts.most_common():
        if len(vocab) >= max_size or n < min_count:
            break
        if ch not in vocab:
            vocab[ch] = len(vocab)
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    # Whitespace is dropped; every other scalar value becomes its own token.
    core.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Split(Regex("."), behavior="isolated")]
    )
    core.decoder = decoders.Fuse()
    if append_eos:
        core.post_processor = processors.TemplateProcessing(
            single="$A </s>", pair="$A $B </s>", special_tokens=[("</s>", vocab["</s>"])]
        )
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        eos_token="</s>",
        model_max_length=512,
    )
