"""Initial word vectors a task can learn from its own training texts (nothing pretrained)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["ppmi_svd_embeddings"]


def ppmi_svd_embeddings(token_lists: Sequence[Sequence[str]], vocabulary: Sequence[str], *,
                        dim: int, window: int, seed: int = 0) -> np.ndarray:
    """Word vectors from co-occurrences in the training texts: SVD of their PPMI matrix.

    Co-occurrences within `window` tokens (both directions), positive pointwise mutual
    information with context counts smoothed by ^0.75, truncated SVD (`U * sqrt(S)`), rows
    scaled to norm `0.05 * sqrt(dim)` (about Keras' default init scale). Row 0 (padding) is 0;
    tokens outside `vocabulary` count as its OOV entry (index 1). Needs scikit-learn.

    Args:
        token_lists: the tokens of each training text.
        vocabulary: the token of each embedding row (0 padding, 1 OOV).
        dim: vector size (< the vocabulary size).
        window: tokens before each token that count as its context.
        seed: seeds the randomized SVD.

    Returns:
        float32 `(len(vocabulary), dim)`.

    Example:

    >>> vocabulary = ["", "[UNK]", "good", "bad", "film", "plot"]
    >>> texts = [["good", "film"], ["bad", "plot"], ["good", "plot"], ["bad", "film"]]
    >>> ppmi_svd_embeddings(texts, vocabulary, dim=2, window=1).shape
    (6, 2)
    """
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD

    index = {t: i for i, t in enumerate(vocabulary)}
    size = len(vocabulary)
    rows, cols = [], []
    for tokens in token_lists:
        ids = [index.get(t, 1) for t in tokens]
        for i in range(1, len(ids)):
            for j in range(max(0, i - window), i):
                rows += (ids[i], ids[j])
                cols += (ids[j], ids[i])
    counts = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size)).tocsr()
    counts.sum_duplicates()
    counts = counts.tocoo()
    total = counts.data.sum()
    row_sum = np.asarray(counts.sum(axis=1)).ravel()
    context = np.asarray(counts.sum(axis=0)).ravel() ** 0.75
    context /= context.sum()
    pmi = np.log(counts.data / total / (row_sum[counts.row] / total) / context[counts.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (counts.row[keep], counts.col[keep])),
                             shape=(size, size))
    svd = TruncatedSVD(n_components=dim, random_state=seed)
    vectors = svd.fit_transform(ppmi) / np.sqrt(svd.singular_values_)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms > 0, norms, 1.0) * (0.05 * np.sqrt(dim))
    vectors[0] = 0.0
    return vectors.astype(np.float32)
