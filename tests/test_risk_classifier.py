"""The risk classifier's model on its own: n-grams and the sentence vector together."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.crisis import risk_data
from bot.nlp.risk_classifier import NO_RISK, RiskModel, assessment, label_of, training_examples


def test_the_examples_are_the_nlu_data_and_data_risk() -> None:
    nlu = TrainingData(
        training_examples=[
            Message(data={"text": "I want to end it all", "intent": "crisis_suicide"}),
            Message(data={"text": "help", "intent": "crisis_help"}),
            Message(data={"text": "/greet", "intent": "greet"}),
            Message(data={"text": "hello there", "intent": "greet"}),
        ]
    )
    examples = training_examples(nlu)
    assert examples[:3] == [
        ("I want to end it all", "suicide"),
        ("help", NO_RISK),
        ("hello there", NO_RISK),
    ]
    assert examples[3:] == risk_data.load()
    assert label_of("crisis_overdose") == "overdose" and label_of("faq") == NO_RISK


def test_meaning_carries_over_to_words_the_examples_never_used() -> None:
    texts = [
        "I am saving up my medication so I can take it all at once",
        "I have a stash of pills for when I decide to go",
        "I booked a table for dinner with my sister",
        "we argued about whose turn it was to cook",
        "my new job starts next week",
        "I went for a walk in the park",
    ]
    labels = ["overdose", "overdose", NO_RISK, NO_RISK, NO_RISK, NO_RISK]
    model = RiskModel(c=10.0, seed=1, encoder_weight=2.0).fit(texts, labels)
    [hoarding, cinema] = model.predict_proba(
        ["been putting tablets aside for weeks now", "got tickets for the cinema tonight"]
    )
    risky, calm = assessment(model.classes_, hoarding), assessment(model.classes_, cinema)
    assert risky["category"] == "overdose"
    assert risky["probability"] > calm["probability"] + 0.2
