"""One list of clause operators (``domain/shared/clauses.py``), and everything that names
operators agrees with it: LaunchDarkly's REST models and server SDK, validation, the
evaluator's matcher table, the test strategies and the console's rule builder."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from launchdarkly_api.models.rule_clause import RuleClause
from ldclient.impl import operators as sdk_operators

import segmentd
from segmentd.domain.shared.clauses import OPERATORS, Clause
from segmentd.domain.shared.validate import check_clause
from segmentd.errors import InvalidRequest
from segmentd.evaluation.operators import MATCHERS
from tests import strategies

RULES_JS = Path(segmentd.__file__).parent / "api" / "console" / "static" / "rules.js"


def rest_model_operators() -> tuple[str, ...]:
    """The operators ``launchdarkly-api``'s ``RuleClause`` accepts, in the order it lists them
    (read from its refusal of an unknown one, which names them all)."""
    with pytest.raises(ValueError, match="must be one of enum values") as refused:
        RuleClause(attribute="key", op="notAnOperator")
    listed = re.search(r"enum values \((.*?)\)", str(refused.value))
    assert listed is not None
    names = ast.literal_eval(f"({listed.group(1)},)")
    assert all(isinstance(name, str) for name in names)
    return tuple(names)


def test_operators__list__is_launchdarkly_rest_models_list_in_its_order() -> None:
    assert rest_model_operators() == OPERATORS


def test_operators__value_operators__are_the_server_sdks_operators() -> None:
    # The SDK's table holds the value tests; it decides segmentMatch in its evaluator.
    assert {*sdk_operators.ops, "segmentMatch"} == set(OPERATORS)


def test_operators__list__has_no_duplicates() -> None:
    assert len(set(OPERATORS)) == len(OPERATORS) == 15


def test_matchers__keys__are_the_operator_list_in_its_order() -> None:
    assert tuple(MATCHERS) == OPERATORS


@pytest.mark.parametrize("op", OPERATORS)
def test_check_clause__listed_operator__accepted(op: str) -> None:
    clause = Clause("key", op, ())
    assert check_clause(clause, field="clause") is clause


def test_check_clause__unlisted_operator__refused_naming_the_list() -> None:
    with pytest.raises(InvalidRequest, match=r"^clause\.op: 'notAnOperator' is not one of") as e:
        check_clause(Clause("key", "notAnOperator", ("a",)), field="clause")
    assert str(sorted(OPERATORS)) in str(e.value)


def test_strategies__operators__are_the_list_and_one_unknown() -> None:
    assert set(strategies.OPS) - set(OPERATORS) == {"notAnOperator"}
    assert set(OPERATORS) <= set(strategies.OPS)


def test_console_rule_builder__operators__are_the_list() -> None:
    text = RULES_JS.read_text(encoding="utf-8")
    table = text[
        text.index("const OPERATORS = [") : text.index("];", text.index("const OPERATORS"))
    ]
    assert sorted(re.findall(r'\["(\w+)", ', table)) == sorted(OPERATORS)
