"""Tests for rnn_zoo.datasets (real TFDS builds into temporary data dirs)."""
