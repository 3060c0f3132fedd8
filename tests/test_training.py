from __future__ import annotations

from pathlib import Path

from bot.settings import load_settings
from bot.training import needs_forced_training, train_command


def test_training_is_forced_when_the_model_or_its_stamp_is_missing(tmp_path: Path) -> None:
    model = tmp_path / "ipt-assistant.tar.gz"
    assert needs_forced_training(model, "abc")
    model.write_bytes(b"model")
    assert needs_forced_training(model, "abc")


def test_training_is_forced_only_when_the_spacy_pipeline_changed(tmp_path: Path) -> None:
    model = tmp_path / "ipt-assistant.tar.gz"
    model.write_bytes(b"model")
    (tmp_path / "ipt-assistant.tar.gz.spacy-fingerprint").write_text("abc\n", encoding="utf-8")
    assert not needs_forced_training(model, "abc")
    assert needs_forced_training(model, "def")


def test_the_model_goes_to_the_configured_path_under_a_fixed_name(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"RASA_MODEL": "out/my-model.tar.gz"},
        dotenv_path=tmp_path / "none",
        project_root=tmp_path,
    )
    command = train_command(settings, force=False)
    assert command[1] == "train"
    assert command[command.index("--out") + 1] == str(tmp_path / "out")
    assert command[command.index("--fixed-model-name") + 1] == "my-model"
    assert "--force" not in command
    assert "--force" in train_command(settings, force=True)


def test_every_trainable_component_has_a_fixed_seed(project_root: Path) -> None:
    import yaml

    config = yaml.safe_load((project_root / "config.yml").read_text(encoding="utf-8"))
    seeded = {
        "DIETClassifier",
        "TEDPolicy",
        "ResponseSelector",
        "bot.nlp.topic_classifier.TopicClassifier",
        "bot.nlp.intent_classifier.LinearIntentClassifier",
    }
    steps = config["pipeline"] + config["policies"]
    for step in steps:
        if step["name"] in seeded:
            assert isinstance(step.get("random_seed"), int), step["name"]
