"""A sentence encoder in plain numpy: all-MiniLM-L6-v2, read by path from a registry package.

Why: the crisis layer has to recognise risk in words nobody on the team wrote.
Word and character n-grams only know the words of their training data; a
sentence encoder places "I've been putting pills aside" near "I am saving up my
medication" although they share no word. The model is small (6 layers of 384,
22 M weights): onnxruntime runs it in milliseconds from a graph built in memory
(encoder_graph.py), with neither PyTorch nor a download.

Where the weights come from is fixed in sentence_encoder.yml beside this file:
the PyPI package, its version, the archive inside it and the SHA-256 of every
file read. The archive is found through the package's installed metadata and
read in memory; the package's own code is never imported (it would pull in
sentence-transformers and PyTorch). Any difference in version or hash is an
EncoderUnavailable with a message that says what to do.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import sys
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

MANIFEST = Path(__file__).with_name("sentence_encoder.yml")
DIMENSION = 384


class EncoderUnavailable(RuntimeError):
    """The model files are missing, of another version, or not the recorded ones."""


@dataclass(frozen=True)
class Manifest:
    package: str
    version: str
    archive: str
    sha256: dict[str, str]
    max_tokens: int
    cache_size: int

    @classmethod
    def load(cls, path: Path = MANIFEST) -> Manifest:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            package=str(data["package"]),
            version=str(data["version"]),
            archive=str(data["archive"]),
            sha256={str(k): str(v) for k, v in data["sha256"].items()},
            max_tokens=int(data["max_tokens"]),
            cache_size=int(data["cache_size"]),
        )


def archive_path(manifest: Manifest) -> Path:
    """The installed archive of the model package, checked for its version."""
    hint = f"run `make setup` (requirements.lock pins {manifest.package}=={manifest.version})"
    try:
        dist = importlib.metadata.distribution(manifest.package)
    except importlib.metadata.PackageNotFoundError:
        raise EncoderUnavailable(
            f"the package {manifest.package} is not installed: {hint}"
        ) from None
    if dist.version != manifest.version:
        raise EncoderUnavailable(
            f"{manifest.package} {dist.version} is installed, the encoder is recorded for "
            f"{manifest.version}: {hint}"
        )
    path = Path(str(dist.locate_file(manifest.archive)))
    if not path.is_file():
        raise EncoderUnavailable(f"{path} is missing from {manifest.package}: {hint}")
    return path


def read_verified(manifest: Manifest, archive: Path) -> dict[str, bytes]:
    """Every recorded file of the archive, each refused unless its SHA-256 matches."""
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(archive) as bundle:
        names = set(bundle.namelist())
        for name, expected in manifest.sha256.items():
            if name not in names:
                raise EncoderUnavailable(f"{archive} has no {name}")
            content = bundle.read(name)
            actual = hashlib.sha256(content).hexdigest()
            if actual != expected:
                raise EncoderUnavailable(
                    f"{name} in {archive} has SHA-256 {actual}, not the recorded {expected}; "
                    "refusing to load a model file that differs"
                )
            files[name] = content
    return files


class SentenceEncoder:
    """Unit-length 384-dimensional vectors for texts, the same as sentence-transformers gives."""

    def __init__(self, manifest: Manifest | None = None) -> None:
        # Imported here: only the encoder needs them, and a missing package should
        # surface as EncoderUnavailable's message, not an import error at start-up.
        try:
            import onnxruntime
            from safetensors.numpy import load as load_safetensors
            from tokenizers import Tokenizer

            from bot.nlp.encoder_graph import build_graph
        except ImportError as error:
            raise EncoderUnavailable(
                f"the package {error.name} is not installed: run `make setup`"
            ) from None

        self.manifest = manifest or Manifest.load()
        files = read_verified(self.manifest, archive_path(self.manifest))
        config = json.loads(files["config.json"])
        weights = load_safetensors(files["model.safetensors"])
        self.tokenizer = Tokenizer.from_str(files["tokenizer.json"].decode("utf-8"))
        # The file asks for fixed padding to 128; padding is done here per batch.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.manifest.max_tokens)
        graph = build_graph(
            weights, int(config["num_hidden_layers"]), int(config["num_attention_heads"])
        )
        options = onnxruntime.SessionOptions()
        # One thread: a message is a few dozen tokens, and on these small matrices
        # the threads' hand-offs cost more than they save, most of all when the
        # other core is busy (docs/crisis-latency.md).
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Without the arena the process holds 36 MB less, at the same speed.
        options.enable_cpu_mem_arena = False
        self._session = onnxruntime.InferenceSession(
            graph, options, providers=["CPUExecutionProvider"]
        )
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """One row per text; texts already seen come from the cache."""
        result = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            if text in self._cache:
                result[i] = self._cache[text]
                self._cache.move_to_end(text)
            else:
                missing.setdefault(text, []).append(i)
        ids = {text: self.tokenizer.encode(text).ids for text in missing}
        # Similar lengths together, so that a batch pads little. A batch is worth
        # its padding: each pass over the weights costs more than a few more rows.
        order = sorted(missing, key=lambda text: len(ids[text]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            vectors = self._forward([ids[t] for t in chunk])
            for text, vector in zip(chunk, vectors, strict=True):
                result[missing[text]] = vector
                self._remember(text, vector)
        return result

    @property
    def cached(self) -> list[str]:
        """The texts whose vectors are in memory, the least recently used first."""
        return list(self._cache)

    def forget(self) -> None:
        """Empties the cache (benchmarks time the forward pass itself)."""
        self._cache.clear()

    def _remember(self, text: str, vector: np.ndarray) -> None:
        self._cache[text] = vector
        while len(self._cache) > self.manifest.cache_size:
            self._cache.popitem(last=False)

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        tokens = np.zeros((len(batch), length), dtype=np.int64)
        present = np.zeros((len(batch), length), dtype=np.float32)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            present[row, : len(ids)] = 1.0
        # The graph has one output, the last layer's token vectors.
        [x] = self._session.run(
            None,
            {
                "ids": tokens,
                "positions": np.arange(length, dtype=np.int64),
                "mask_bias": ((1.0 - present) * -1e9)[:, None, None, :],
            },
        )
        # Mean of the token vectors (padding left out), then unit length.
        pooled = (x * present[:, :, None]).sum(axis=1) / present.sum(axis=1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """One encoder per process: its weights are 90 MB and every component can share them."""
    return SentenceEncoder()


def main() -> int:
    """`make setup` runs this: the model files are there and are the recorded ones."""
    try:
        encoder = SentenceEncoder()
    except EncoderUnavailable as error:
        print(f"error: the sentence encoder cannot load: {error}", file=sys.stderr)
        return 1
    [vector] = encoder.encode(["checking the sentence encoder"])
    manifest = encoder.manifest
    print(
        f"Sentence encoder ready: {manifest.package}=={manifest.version}, "
        f"{len(manifest.sha256)} files verified, {vector.shape[0]} dimensions"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "DIMENSION",
    "EncoderUnavailable",
    "Manifest",
    "SentenceEncoder",
    "archive_path",
    "read_verified",
    "shared_encoder",
]
