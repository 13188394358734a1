"""The OCR engine behind one small interface: PaddleOCR's PP-OCRv6 models, offline, on ONNX Runtime.

No model hub is reachable, so the PP-OCRv6-small detection and recognition weights come from the PyPI wheel
``rapidocr`` (Apache-2.0), which ships them as ONNX files. Detection runs through PaddleOCR's own
``TextDetection`` module (``engine="onnxruntime"``) in a model folder this module writes (``inference.onnx``
plus the ``inference.yml`` PaddleOCR expects). Recognition runs the PP-OCRv6 recogniser with PaddleOCR's
preprocessing (height 48, [-1, 1] normalisation) on ONNX Runtime directly, because PaddleOCR's recogniser
API reports one mean score per line and we need each character's confidence and position (CTC frames) for
per-character boxes and ``unclear`` readings. On CUDA both run on ONNX Runtime's CUDA provider.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wenyuan.chars import is_cjk
from wenyuan.errors import ModelLoadError
from wenyuan.io import atomic_write_text

log = logging.getLogger(__name__)

DET_MODEL = "PP-OCRv6_small_det"
REC_MODEL = "PP-OCRv6_small_rec"
REC_HEIGHT = 48

_DET_YML = """Global:
  model_name: {name}
PreProcess:
  transform_ops:
  - DecodeImage: {{channel_first: false, img_mode: BGR}}
  - DetLabelEncode: null
  - DetResizeForTest: {{resize_long: 960}}
  - NormalizeImage:
      mean: [0.485, 0.456, 0.406]
      order: hwc
      scale: 0.00392156862745098
      std: [0.229, 0.224, 0.225]
  - ToCHWImage: null
  - KeepKeys: {{keep_keys: [image, shape, polys, ignore_tags]}}
PostProcess:
  name: DBPostProcess
  thresh: 0.3
  box_thresh: 0.6
  max_candidates: 1000
  unclip_ratio: 1.5
"""


def cache_dir() -> Path:
    """Where derived model folders live: ``$WENYUAN_CACHE`` or ``~/.cache/wenyuan``."""
    return Path(os.environ.get("WENYUAN_CACHE", Path.home() / ".cache" / "wenyuan"))


def configure_offline_environment() -> None:
    """Keep PaddleX and ONNX Runtime from reaching for the network (there is none)."""
    os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
    os.environ.setdefault("PADDLE_PDX_CACHE_HOME", str(cache_dir() / "paddlex"))
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


def shipped_onnx(name: str) -> Path:
    """Path of an ONNX file inside the installed ``rapidocr`` wheel."""
    try:
        import rapidocr
    except ImportError as exc:
        raise ModelLoadError("the OCR weights come from the PyPI package rapidocr==3.10.0; install it") from exc
    path = Path(rapidocr.__file__).parent / "models" / name
    if not path.exists():
        raise ModelLoadError(f"{path}: OCR weights missing from the rapidocr wheel (need rapidocr==3.10.0)")
    return path


def detection_model_dir() -> Path:
    """A PaddleOCR model folder for the PP-OCRv6-small detector, written on first use."""
    folder = cache_dir() / "paddle-models" / DET_MODEL
    folder.mkdir(parents=True, exist_ok=True)
    # Several worker processes may build engines at once (Dask, process pools): every
    # write goes through a private temporary name and an atomic rename, so no reader
    # ever sees a half-written config or a missing model link.
    onnx = folder / "inference.onnx"
    source = shipped_onnx("PP-OCRv6_det_small.onnx")
    if not onnx.exists() or onnx.resolve() != source.resolve():
        link = folder / f"inference.onnx.{os.getpid()}.{threading.get_ident()}.tmp"
        link.unlink(missing_ok=True)
        link.symlink_to(source)
        os.replace(link, onnx)
    config = folder / "inference.yml"
    text = _DET_YML.format(name=DET_MODEL)
    if not config.exists() or config.read_text() != text:
        atomic_write_text(config, text)
    return folder


def _providers(device: str) -> list[str]:
    return ["CUDAExecutionProvider", "CPUExecutionProvider"] if device.startswith("cuda") else ["CPUExecutionProvider"]


#: Marks a classical page may print besides ideographs: the circle used as a zero or a section mark, the
#: vertical iteration mark, and the editorial and reading marks of later prints (no kana-block marks such as ・).
CLASSICAL_MARKS = "〇○◎●▲△□■、。，：；「」『』《》〈〉〻"


def classical_character(ch: str) -> bool:
    """A character (a dictionary entry of the recogniser) a classical Chinese page can print: any CJK ideograph (every
    extension, compatibility ideographs) or one of :data:`CLASSICAL_MARKS`; never kana, Hangul, Latin letters
    or digits."""
    # A dictionary entry of several characters (PP-OCRv5 has some) is never one: a character is one code point.
    return len(ch) == 1 and (is_cjk(ch) or ch in CLASSICAL_MARKS)


@dataclass
class Recognized:
    """A recognised line: text, per-character confidence, centre (0..1 along the line) and alternatives.

    ``alternatives[k]`` lists the recogniser's best readings of character ``k`` with their probabilities
    (mean over the character's CTC frames), likeliest first.
    """

    text: str
    confidences: list[float]
    centres: list[float]
    alternatives: list[list[tuple[str, float]]] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        return float(np.mean(self.confidences)) if self.confidences else 0.0


class CTCRecognizer:
    """PP-OCRv6 text-line recogniser on ONNX Runtime with greedy CTC decoding."""

    def __init__(
        self, model_path: Path, device: str = "cpu", batch_size: int = 16, max_width: int = 3200, top_k: int = 5
    ):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(model_path), opts, providers=_providers(device))
        meta = self.session.get_modelmeta().custom_metadata_map
        if "character" not in meta:
            raise ModelLoadError(f"{model_path}: recogniser has no character list in its metadata")
        # Index 0 is the CTC blank; the dictionary follows, then the space PaddleOCR appends.
        self.charset = ["<blank>", *meta["character"].splitlines(), " "]
        self.batch_size = batch_size
        self.max_width = max_width
        self.top_k = top_k
        # Blank, then the classes a classical page can hold: decoding over these alone keeps worn strokes
        # from being read as kana or Latin letters (曹糕 for 曹魏, り, は).
        self.classical = np.array([k == 0 or classical_character(c) for k, c in enumerate(self.charset)])
        self._masks: dict[int, np.ndarray] = {}
        self.input_name = self.session.get_inputs()[0].name

    def _resize(self, crop: np.ndarray) -> np.ndarray:
        import cv2

        h, w = crop.shape[:2]
        width = int(min(self.max_width, max(REC_HEIGHT // 2, round(REC_HEIGHT * w / max(h, 1)))))
        img = cv2.resize(crop, (width, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
        if img.ndim == 2:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        return (img.astype(np.float32) / 255.0 - 0.5) / 0.5

    def recognize(self, crops: list[np.ndarray], classical: bool = False) -> list[Recognized]:
        """Recognise horizontal text-line crops (rotate vertical columns before calling).

        ``classical`` decodes over the characters a classical page can print (:func:`classical_character`).
        """
        results: list[Recognized | None] = [None] * len(crops)
        order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / max(crops[i].shape[0], 1))
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            imgs = [self._resize(crops[i]) for i in idx]
            width = max(im.shape[1] for im in imgs)
            batch = np.zeros((len(imgs), 3, REC_HEIGHT, width), dtype=np.float32)
            for k, im in enumerate(imgs):
                batch[k, :, :, : im.shape[1]] = im.transpose(2, 0, 1)
            probs = self.session.run(None, {self.input_name: batch})[0]
            for k, i in enumerate(idx):
                frames = probs[k]
                if classical:
                    frames = np.where(self._classical_mask(frames.shape[-1]), frames, 0.0)
                    frames = frames / np.maximum(frames.sum(-1, keepdims=True), 1e-9)
                results[i] = self._decode(frames, imgs[k].shape[1] / width)
        return results  # type: ignore[return-value]

    def _classical_mask(self, classes: int) -> np.ndarray:
        """The classical mask fitted to the model's output width (classes beyond the dictionary are never);
        built once per width, not for every line."""
        mask = self._masks.get(classes)
        if mask is None:
            mask = np.zeros(classes, dtype=bool)
            n = min(classes, len(self.classical))
            mask[:n] = self.classical[:n]
            self._masks[classes] = mask
        return mask

    def _decode(self, probs: np.ndarray, used: float) -> Recognized:
        best = probs.argmax(-1)
        conf = probs.max(-1)
        frames = len(best)
        text, confs, centres, alts = [], [], [], []
        run_start = None
        for t in range(frames + 1):
            cur = best[t] if t < frames else 0
            prev = best[t - 1] if t > 0 else 0
            if t > 0 and prev != 0 and (cur != prev):
                # A character's run of frames ended at t-1.
                text.append(self.charset[prev] if prev < len(self.charset) else "")
                confs.append(float(conf[run_start:t].mean()))
                mean = probs[run_start:t].mean(axis=0)
                # The k best without sorting the whole dictionary (18,000 classes) for every character.
                top = np.argpartition(mean, -self.top_k)[-self.top_k :]
                best_k = top[np.argsort(-mean[top], kind="stable")]
                alts.append(
                    [(self.charset[j], round(float(mean[j]), 4)) for j in best_k if j != 0 and j < len(self.charset)]
                )
                centres.append(min(1.0, ((run_start + t) / 2) / frames / max(used, 1e-6)))
            if cur != 0 and cur != prev:
                run_start = t
        return Recognized("".join(text), confs, centres, alts)


class PaddleOCREngine:
    """Text-line detection and recognition with PP-OCRv6-small.

    Args:
        device: ``cpu``, ``cuda`` or ``cuda:N``.
        det_limit_side: the detector's input is scaled so its longer side is at most this.
        det_box_thresh: DB box score threshold.
        det_unclip_ratio: how far DB grows each text kernel into a line box.
        rec_batch_size: crops per recogniser batch (raise on a GPU).
    """

    name = "PaddleOCR PP-OCRv6-small (ONNX)"

    def __init__(
        self,
        device: str = "cpu",
        det_limit_side: int = 2000,
        det_box_thresh: float = 0.5,
        det_unclip_ratio: float = 1.6,
        rec_batch_size: int = 16,
    ):
        configure_offline_environment()
        from paddleocr import TextDetection

        self.device = device
        det_device = "gpu:" + (device.split(":")[1] if ":" in device else "0") if device.startswith("cuda") else "cpu"
        self.detector = TextDetection(
            model_name=DET_MODEL,
            model_dir=str(detection_model_dir()),
            engine="onnxruntime",
            device=det_device,
            limit_side_len=det_limit_side,
            limit_type="max",
            box_thresh=det_box_thresh,
            unclip_ratio=det_unclip_ratio,
        )
        self.recognizer = CTCRecognizer(shipped_onnx("PP-OCRv6_rec_small.onnx"), device, rec_batch_size)
        self.version = engine_version()

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Text-line quadrilaterals (4x2 float arrays) on a grayscale or BGR page."""
        import cv2

        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
        result = self.detector.predict(bgr)[0]
        return [np.asarray(p, dtype=np.float32).reshape(-1, 2) for p in result["dt_polys"]]

    def recognize(self, crops: list[np.ndarray], classical: bool = False) -> list[Recognized]:
        return self.recognizer.recognize(crops, classical=classical)


def engine_version() -> str:
    """The engine's version for cache keys and provenance, known without loading any model."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"rapidocr-{version('rapidocr')}"
    except PackageNotFoundError:
        return "unknown"
