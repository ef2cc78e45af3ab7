"""Stress handling for ARPAbet phoneme strings."""

from __future__ import annotations

import re

# Stress is a trailing digit on vowels only (AH0, AH1, AH2); consonants never carry one.
_STRESS = re.compile(r"(?<=[A-Z])[012]\b")


def strip_stress(pronunciation: str) -> str:
    """Removes lexical stress markers from a space-joined ARPAbet string.

    >>> strip_stress("AH0 B AW1 T")
    'AH B AW T'

    Used for the stress-free phoneme error rate that G2P papers report.
    """
    return _STRESS.sub("", pronunciation)
