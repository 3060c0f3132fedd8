"""The topic and intent classifiers on the project's own training data, outside a
Rasa model: what they write is what the actions and the fallback read, they are
the same every time they are trained, and they survive the model archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.content.psychoeducation import psychoeducation
from bot.domain_build import build_domain
from bot.nlp.intent_classifier import LinearIntentClassifier, blend
from bot.nlp.topic_classifier import TopicClassifier
from bot.settings import PROJECT_ROOT, load_settings


@pytest.fixture(scope="module")
def training_data(tmp_path_factory: pytest.TempPathFactory) -> TrainingData:
    folder = tmp_path_factory.mktemp("domain")
    settings = load_settings(environ={"DATA_DIR": str(folder)}, dotenv_path=folder / "none")
    importer = TrainingDataImporter.load_from_config(
        str(PROJECT_ROOT / "config.yml"),
        str(build_domain(settings)),
        [str(PROJECT_ROOT / "data")],
    )
    return importer.get_nlu_data()


def trained(
    data: TrainingData, folder: Path
) -> tuple[TopicClassifier, LocalModelStorage, Resource]:
    storage = LocalModelStorage(folder)
    resource = Resource("topics")
    config = TopicClassifier.get_default_config()
    component = TopicClassifier.create(config, storage, resource, None)  # type: ignore[arg-type]
    component.train(data)
    return component, storage, resource


@pytest.fixture(scope="module")
def classifier(training_data: TrainingData, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return trained(training_data, tmp_path_factory.mktemp("storage"))


def selected(component: TopicClassifier, text: str) -> dict[str, Any]:
    message = Message(data={"text": text})
    component.process([message])
    return message.get("response_selector")


def test_it_writes_the_response_selector_output_the_actions_read(classifier: Any) -> None:
    component, _, _ = classifier
    output = selected(component, "what is the interpersonal inventory")
    assert output["all_retrieval_intents"] == ["faq"]
    choice = output["faq"]["response"]
    assert choice["intent_response_key"] == "faq/interpersonal_inventory"
    assert choice["utter_action"] == "utter_faq/interpersonal_inventory"
    topic = psychoeducation().topics["interpersonal_inventory"]
    assert choice["responses"] == [{"text": topic.answer}]
    ranking = output["faq"]["ranking"]
    confidences = [entry["confidence"] for entry in ranking]
    assert len(ranking) == 10
    assert confidences == sorted(confidences, reverse=True)
    assert ranking[0]["intent_response_key"] == choice["intent_response_key"]
    assert confidences[0] == choice["confidence"]
    # Probabilities over the topics, not unbounded scores: the answer threshold
    # (FAQ_ANSWER_CONFIDENCE) compares with them.
    assert 0.0 < sum(confidences) <= 1.0 + 1e-9


def test_every_topic_has_its_answer_to_select(classifier: Any) -> None:
    component, _, _ = classifier
    topics = psychoeducation().topics
    assert set(component.model["responses"]) == {f"faq/{t}" for t in topics}
    assert all(component.model["responses"].values())


def test_training_twice_gives_the_same_model(
    training_data: TrainingData, classifier: Any, tmp_path: Path
) -> None:
    first, _, _ = classifier
    second, _, _ = trained(training_data, tmp_path)
    for text in ("how long does ipt take", "my mum died last year, can ipt help"):
        assert first.ranking(text) == second.ranking(text)


def test_the_model_archive_gives_back_the_same_classifier(classifier: Any) -> None:
    component, storage, resource = classifier
    config = TopicClassifier.get_default_config()
    loaded = TopicClassifier.load(config, storage, resource, None)  # type: ignore[arg-type]
    text = "do we practise conversations in the sessions"
    assert loaded.ranking(text) == component.ranking(text)
    assert loaded.ranking(text)[0][0] == "faq/role_play"


def test_no_examples_for_the_retrieval_intent_is_a_clear_error(tmp_path: Path) -> None:
    data = TrainingData([Message(data={"text": "hello", "intent": "greet"})])
    config = TopicClassifier.get_default_config()
    component = TopicClassifier.create(config, LocalModelStorage(tmp_path), Resource("t"), None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no training examples for the retrieval intent 'faq'"):
        component.train(data)


def diet_ranking(*pairs: tuple[str, float]) -> list[dict[str, Any]]:
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_the_blend_weighs_its_own_reading_against_diets() -> None:
    ranked = blend({"faq": 0.9, "share_feelings": 0.1}, diet_ranking(("share_feelings", 1.0)), 0.7)
    assert ranked[0][0] == "faq"
    assert ranked[0][1] == pytest.approx(0.63)
    assert dict(ranked)["share_feelings"] == pytest.approx(0.07 + 0.3)
    # With no earlier ranking its own reading counts whole.
    assert blend({"greet": 0.8, "goodbye": 0.2}, [], 0.7) == [("greet", 0.8), ("goodbye", 0.2)]


@pytest.fixture(scope="module")
def intents(training_data: TrainingData, tmp_path_factory: pytest.TempPathFactory) -> Any:
    storage = LocalModelStorage(tmp_path_factory.mktemp("intents"))
    resource = Resource("intents")
    config = LinearIntentClassifier.get_default_config()
    component = LinearIntentClassifier.create(config, storage, resource, None)  # type: ignore[arg-type]
    component.train(training_data)
    return component, storage, resource


def test_topics_are_classes_of_their_own_summed_into_faq(intents: Any) -> None:
    component, _, _ = intents
    labels = set(component.model.classes_.tolist())
    assert {f"faq/{t}" for t in psychoeducation().topics} <= labels
    assert "faq" not in labels
    # Column-major coefficients: scoring a message does not copy the matrix first.
    assert component.model[-1].coef_.flags["F_CONTIGUOUS"]
    reading = component.probabilities("how many sessions does ipt take")
    assert max(reading, key=reading.__getitem__) == "faq"
    assert sum(reading.values()) == pytest.approx(1.0)


def test_it_rewrites_the_intent_and_ranking_the_fallback_reads(intents: Any) -> None:
    _, storage, resource = intents
    message = Message(data={"text": "will we practise what i could say to my sister in a session"})
    # DIET sure of the wrong intent, as it was on phrasings like this one.
    message.set("intent", {"name": "share_feelings", "confidence": 1.0})
    message.set("intent_ranking", diet_ranking(("share_feelings", 1.0)))
    config = LinearIntentClassifier.get_default_config()
    loaded = LinearIntentClassifier.load(config, storage, resource, None)  # type: ignore[arg-type]
    loaded.process([message])
    ranking = message.get("intent_ranking")
    assert message.get("intent") == ranking[0]
    assert ranking[0]["name"] == "faq"
    confidences = [entry["confidence"] for entry in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert len(ranking) <= 10
