"""`rasa data validate --fail-on-warnings`, knowing two ways a response is used
that Rasa's validator does not see:

- a form asks for each slot with `utter_ask_<slot>`, not through a story step;
- a custom action may send a response (named in actions/), and
  "why do you ask?" sends `utter_why_<slot>` for the slot a form is asking;
- the response selector (bot/nlp/topic_classifier.py) picks `utter_faq/<topic>`
  for the retrieval intent `faq`
  (the answers from content/psychoeducation/);
- the crisis policy (bot/policies/crisis_policy.py) sends the graded response's
  question and follow-ups (bot/crisis/graded.py), which no rule can express.

Rasa warns that those responses are "not used in any story or rule", which
would fail the build for correct data. Everything else is Rasa's own check.
"""

from __future__ import annotations

import re
import sys

from bot.crisis.graded import is_graded_response
from bot.domain_build import build_domain
from bot.settings import PROJECT_ROOT, load_settings

# Any response named in the actions' code (`response="utter_…"`, or a table of them).
_SENT_BY_ACTION = re.compile(r"""["'](utter_\w+)["']""")


def responses_sent_by_actions() -> set[str]:
    found: set[str] = set()
    for source in (PROJECT_ROOT / "actions").glob("*.py"):
        found.update(_SENT_BY_ACTION.findall(source.read_text(encoding="utf-8")))
    return found


def main() -> None:
    import rasa.shared.utils.io
    from rasa.cli.utils import validate_files
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    def verify_utterances_in_stories(self: Validator, ignore_warnings: bool = True) -> bool:
        used = {
            event.action_name
            for story in self.story_graph.story_steps
            for event in story.events
            if isinstance(event, ActionExecuted) and event.action_name
        }
        asked_by_forms = {
            f"utter_{use}_{slot}"
            for form in self.domain.forms.values()
            for slot in form.get("required_slots", [])
            for use in ("ask", "why")
        }
        selected = {
            name
            for name in self.domain.utterances_for_response
            if name.split("/")[0].removeprefix("utter_") in self.domain.retrieval_intents
        }
        graded = {name for name in self.domain.utterances_for_response if is_graded_response(name)}
        fine = True
        unused = (
            set(self.domain.utterances_for_response) - used - asked_by_forms - selected - graded
        )
        for utterance in sorted(unused - responses_sent_by_actions()):
            rasa.shared.utils.io.raise_warning(
                f"The utterance '{utterance}' is not used in any story, rule, form or action."
            )
            fine = ignore_warnings
        return fine

    Validator.verify_utterances_in_stories = verify_utterances_in_stories
    domain = build_domain(load_settings())
    importer = TrainingDataImporter.load_from_config(
        config_path=str(PROJECT_ROOT / "config.yml"),
        domain_path=str(domain),
        training_data_paths=[str(PROJECT_ROOT / "data")],
    )
    validate_files(fail_on_warnings=True, max_history=None, importer=importer)
    print("Data validation passed: domain, NLU data, stories and rules.")


if __name__ == "__main__":
    sys.exit(main())
