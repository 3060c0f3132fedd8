"""The risk classifier's model on its own: n-grams and the sentence vector together."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.crisis import risk_data
from bot.nlp.risk_classifier import (
    NO_RISK,
    SOMEONE_ELSE,
    RiskModel,
    assessment,
    label_of,
    training_examples,
)


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
        ("I want to end it all", "suicide", None),
        ("help", NO_RISK, None),
        ("hello there", NO_RISK, None),
    ]
    assert examples[3:] == risk_data.load_with_concern()
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


def test_another_persons_risk_is_no_risk_to_the_client_but_keeps_its_category() -> None:
    texts = [
        "I want to die",
        "I am going to kill myself tonight",
        "I have not eaten in four days and I keep fainting",
        "I make myself sick after every meal",
        "my friend says she wants to die",
        "my brother told me he is going to kill himself",
        "my sister has not eaten in days and fainted at school",
        "my flatmate makes herself sick after every meal",
        "I went for a walk in the park",
        "we argued about whose turn it was to cook",
    ]
    labels = ["suicide"] * 2 + ["eating_disorder"] * 2 + [SOMEONE_ELSE] * 4 + [NO_RISK] * 2
    concerns = [None] * 4 + ["suicide", "suicide", "eating_disorder", "eating_disorder"]
    concerns += [None, None]
    model = RiskModel(c=10.0, seed=1, encoder_weight=2.0).fit(texts, labels, concerns)
    mine, theirs = model.predict(
        ["i really want to die", "my cousin keeps saying she wants to die"]
    )
    assert mine["probability"] > theirs["probability"]
    assert theirs["someone_else"]["probability"] > mine["someone_else"]["probability"]
    assert theirs["someone_else"]["category"] == "suicide"
    assert set(mine) == {"probability", "category", "someone_else"}
