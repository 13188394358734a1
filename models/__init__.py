"""Model code (tokenizers, architectures, training loops) and the shipped model folders."""
