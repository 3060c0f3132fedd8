"""A lookup lemmatizer that looks words up in lower case.

spaCy's lookup lemmatizer keys its table on the exact token text, so "Mothers"
and "mothers" get different lemmas. Clients type in every case, and the patterns
we match on lemmas must not depend on it.
"""

# No `from __future__ import annotations` here: spaCy reads the factory's
# annotations at run time to validate its config.

from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.pipeline.lemmatizer import lemmatizer_score
from spacy.tokens import Token
from thinc.api import Model

FACTORY_NAME = "ipt_lowercase_lemmatizer"


class LowercaseLookupLemmatizer(Lemmatizer):
    def lookup_lemmatize(self, token: Token) -> list[str]:
        table = self.lookups.get_table("lemma_lookup", {})
        return [table.get(token.lower_, token.lower_)]


@Language.factory(
    FACTORY_NAME,
    assigns=["token.lemma"],
    default_config={"model": None, "mode": "lookup", "overwrite": False},
    default_score_weights={"lemma_acc": 1.0},
)
def make_lowercase_lemmatizer(
    nlp: Language, model: Model | None, name: str, mode: str, overwrite: bool
) -> LowercaseLookupLemmatizer:
    return LowercaseLookupLemmatizer(
        nlp.vocab,
        model,
        name,
        mode=mode,
        overwrite=overwrite,
        scorer=lemmatizer_score,
    )
