"""Corrections to Rasa 3.6 where a turn measured wasted time (triage/bench_load.py --profile).

Applied once when Rasa loads the channels (channels/__init__.py), so in the Rasa server only.

- Every answer of the action server is checked against a JSON schema with `jsonschema.validate`,
  which first checks the schema itself against the JSON Schema metaschema, then builds a new
  validator: a third of the Rasa server's time in a turn, measured with py-spy. The validator is
  built once here, per schema; the check and its error are the same.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_validators: dict[str, Any] = {}


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    schema = self.action_response_format_spec()
    key = repr(schema)
    validator = _validators.get(key)
    if validator is None:
        cls = validator_for(schema)
        cls.check_schema(schema)
        validator = _validators[key] = cls(schema)
    error: ValidationError | None = best_match(validator.iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def apply() -> None:
    RemoteAction._validate_action_result = _validate_action_result
