"""The sentence encoder: the recorded model files only, and vectors that carry meaning."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

from bot.nlp.sentence_encoder import (
    DIMENSION,
    EncoderUnavailable,
    Manifest,
    SentenceEncoder,
    archive_path,
    read_verified,
    shared_encoder,
)


def test_vectors_are_unit_length_and_the_same_alone_or_in_a_batch() -> None:
    texts = ["I had a good day", "my sister and I argued about the wedding", "hi"]
    encoder = SentenceEncoder()
    together = encoder.encode(texts)
    encoder.forget()
    alone = np.vstack([encoder.encode([text]) for text in texts])
    assert together.shape == (3, DIMENSION)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)


# The first six dimensions of three vectors as the plain numpy forward pass gave
# them (c6d918b), before the encoder ran on onnxruntime: the graph must not
# change what every trained model has learned from.
RECORDED = {
    "I have been saving up my medication": [0.00778, 0.02162, -0.01787, 0.00615, 0.05355, 0.02512],
    "my sister and I argued about the wedding": [
        -0.01396, 0.11326, -0.04171, -0.00945, -0.00983, -0.02479,
    ],
    "hi": [-0.09048, 0.04044, 0.02391, 0.05895, -0.02288, -0.04722],
}  # fmt: skip


def test_the_vectors_are_the_ones_the_models_were_trained_on() -> None:
    vectors = shared_encoder().encode(list(RECORDED))
    assert np.allclose(vectors[:, :6], list(RECORDED.values()), atol=2e-5)


def test_a_paraphrase_lies_nearer_than_an_unrelated_sentence() -> None:
    # The reason the encoder is there: no shared word, the same meaning.
    [saving, pills, weather] = shared_encoder().encode(
        [
            "I have been saving up my medication",
            "I keep putting tablets aside",
            "what lovely weather",
        ]
    )
    assert saving @ pills > saving @ weather + 0.2


def test_a_file_whose_hash_differs_is_refused() -> None:
    manifest = Manifest.load()
    tampered = dataclasses.replace(
        manifest, sha256={**manifest.sha256, "model.safetensors": "0" * 64}
    )
    with pytest.raises(EncoderUnavailable, match="refusing to load"):
        read_verified(tampered, archive_path(tampered))


def test_a_missing_package_or_another_version_says_what_to_do() -> None:
    manifest = Manifest.load()
    with pytest.raises(EncoderUnavailable, match="not installed: run `make setup`"):
        archive_path(dataclasses.replace(manifest, package="no-such-model-package"))
    with pytest.raises(EncoderUnavailable, match=r"recorded for 9\.9\.9"):
        archive_path(dataclasses.replace(manifest, version="9.9.9"))


def test_a_missing_runtime_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(EncoderUnavailable, match="onnxruntime is not installed: run `make setup`"):
        SentenceEncoder()


def test_the_cache_keeps_only_the_newest_messages() -> None:
    manifest = dataclasses.replace(Manifest.load(), cache_size=2)
    encoder = SentenceEncoder(manifest)
    encoder.encode(["one", "two", "three"])
    assert encoder.cached == ["two", "three"]
