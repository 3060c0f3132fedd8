"""Our own spaCy pipeline: built from `spacy.blank("en")`, no downloaded model."""
