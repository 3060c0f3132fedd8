"""Trains the Rasa model into `models/ipt-assistant.tar.gz`.

Make calls this only when a training input is newer than the model. Rasa's
graph fingerprinting then retrains only the components whose inputs changed,
using the cache in `.rasa/cache`. One gap is closed here: Rasa fingerprints the
SpacyNLP component by the model *path* alone, so a rebuilt spaCy pipeline at the
same path would reuse stale features. When the pipeline's own fingerprint differs
from the one the last model was trained with, training is forced.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bot.content.psychoeducation import PsychoeducationError
from bot.crisis.lines import CrisisLinesError
from bot.domain_build import build_domain, domain_path
from bot.nlp.pipeline import PIPELINE_DIR
from bot.rasa_env import rasa_environment, rasa_executable
from bot.settings import Settings, SettingsError, load_settings


def pipeline_fingerprint(pipeline_dir: Path = PIPELINE_DIR) -> str:
    meta = json.loads((pipeline_dir / "meta.json").read_text(encoding="utf-8"))
    return str(meta["ipt_fingerprint"])


def _stamp_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name + ".spacy-fingerprint")


def needs_forced_training(model_path: Path, current_fingerprint: str) -> bool:
    """True when the model is missing or was trained on another spaCy pipeline."""
    stamp = _stamp_path(model_path)
    if not model_path.is_file() or not stamp.is_file():
        return True
    return stamp.read_text(encoding="utf-8").strip() != current_fingerprint


def train_command(settings: Settings, force: bool) -> list[str]:
    model = settings.model_path
    command = [
        rasa_executable(),
        "train",
        "--config",
        "config.yml",
        "--domain",
        str(domain_path(settings)),
        "--data",
        "data",
        "--out",
        str(model.parent),
        # Rasa appends .tar.gz itself.
        "--fixed-model-name",
        model.name.removesuffix(".tar.gz"),
    ]
    if force:
        command.append("--force")
    return command


def train(settings: Settings) -> float:
    """Trains and returns the wall-clock seconds it took."""
    build_domain(settings)
    fingerprint = pipeline_fingerprint()
    force = needs_forced_training(settings.model_path, fingerprint)
    started = time.perf_counter()
    subprocess.run(
        train_command(settings, force),
        cwd=settings.project_root,
        env=rasa_environment(settings),
        check=True,
    )
    elapsed = time.perf_counter() - started
    _stamp_path(settings.model_path).write_text(fingerprint + "\n", encoding="utf-8")
    # Rasa may leave the archive's mtime older than a just-edited input; Make
    # compares mtimes, so mark the model as fresh.
    settings.model_path.touch()
    return elapsed


def main() -> None:
    try:
        settings = load_settings()
        elapsed = train(settings)
    except (SettingsError, CrisisLinesError, PsychoeducationError) as error:
        sys.exit(f"error: {error}")
    except subprocess.CalledProcessError as error:
        sys.exit(f"error: training failed (rasa exited with {error.returncode}); see above")
    print(f"Model trained in {elapsed:.0f} s: {settings.model_path}")


if __name__ == "__main__":
    main()
