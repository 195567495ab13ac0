"""Properties of JSON Patch and semantic patch: atomic, non-mutating, idempotent where set-like."""

from __future__ import annotations

import copy

from hypothesis import example, given, settings

from segmentd.domain.patch.json_patch import parse_patch_document
from segmentd.domain.segments.json_patch import apply_patch_document
from segmentd.domain.segments.semantic_patch import apply_all, parse_instructions
from segmentd.domain.segments.validation import validate_segment
from segmentd.domain.shared.json_types import JsonValue
from segmentd.errors import InvalidRequest, ServiceError

from .strategies_patch import (
    counter_ids,
    idempotent_instructions,
    instruction_lists,
    patch_documents,
    segment,
)


@settings(max_examples=200)
@given(body=patch_documents)
@example(body=[{"op": "add", "path": "/tags/-", "value": [1]}])
@example(body=[{"op": "copy", "from": "/rules/0", "path": "/rules/-"}])
@example(body=[{"op": "add", "path": "/rules/0/clauses/0/values/-", "value": {"a": [1]}}])
def test_json_patch__any_document__never_mutates_input_and_raises_only_service_errors(
    body: JsonValue,
) -> None:
    original = segment()
    before = copy.deepcopy(body)
    try:
        result = apply_patch_document(original, parse_patch_document(body), new_id=counter_ids())
    except ServiceError:
        pass
    else:
        assert validate_segment(result) == result
    assert body == before


@settings(max_examples=200)
@given(instructions=instruction_lists)
def test_apply_all__any_instructions__valid_segment_or_invalid_request(
    instructions: list[JsonValue],
) -> None:
    original = segment()
    before = copy.deepcopy(instructions)
    try:
        result = apply_all(original, parse_instructions(instructions), new_id=counter_ids())
    except InvalidRequest:
        pass
    else:
        assert validate_segment(result.segment) == result.segment
    assert instructions == before


@settings(max_examples=200)
@given(prefix=idempotent_instructions, instruction=idempotent_instructions.map(lambda xs: xs[0]))
def test_apply_all__set_style_instruction__idempotent(
    prefix: list[JsonValue], instruction: JsonValue
) -> None:
    # Idempotence holds per instruction. A batch mixing remove and add of one key is not
    # idempotent as a batch: the key moves to the end of its list on the second pass.
    try:
        start = apply_all(segment(), parse_instructions(prefix), new_id=counter_ids()).segment
        once = apply_all(start, parse_instructions([instruction]), new_id=counter_ids()).segment
    except InvalidRequest:
        return  # e.g. an add that clashes with an exclude: test_semantic_patch.py
    again = apply_all(once, parse_instructions([instruction]), new_id=counter_ids()).segment
    assert again is once
