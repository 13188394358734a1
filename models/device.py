"""Where models run: ``auto`` resolved to a visible GPU or the CPU, for loading, training and the pipeline."""

from __future__ import annotations


def select_device(device: str = "auto") -> str:
    """Resolve ``auto`` to ``cuda`` when a GPU is visible, else ``cpu``; reject unknown names."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in {"cpu", "cuda"} and not device.startswith("cuda:"):
        raise ValueError(f"unknown device {device!r}: use cpu, cuda, cuda:N or auto")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {device!r} requested but no CUDA GPU is visible")
    return device
