"""Context parsing: LD context JSON, legacy user JSON, and malformed input.

The rules: docs/evaluation.md §contexts.
"""

from __future__ import annotations

import pytest

from segmentd.domain.shared.attribute_ref import parse_attribute_ref
from segmentd.domain.shared.context import Context, SingleContext, parse_context
from segmentd.errors import InvalidRequest

P = pytest.param


def test_parse_context__single_kind__built_ins_and_custom():
    ctx = parse_context(
        {
            "kind": "org",
            "key": "o1",
            "name": "Acme",
            "tier": 3,
            "_meta": {"privateAttributes": ["tier"]},
        }
    )
    (org,) = ctx.members
    assert (org.kind, org.key, org.name, org.anonymous) == ("org", "o1", "Acme", False)
    assert org.get("tier") == 3
    assert org.get("kind") == "org"
    assert org.get("anonymous") is False
    assert org.get("_meta") is None
    assert org.private_attributes == ("tier",)
    assert ctx.individual("org") is org
    assert ctx.individual("user") is None


def test_parse_context__multi_kind__one_member_per_kind():
    ctx = parse_context({"kind": "multi", "user": {"key": "u"}, "org": {"key": "o", "kind": "x"}})
    assert ctx.is_multi
    assert ctx.kinds == ("user", "org")
    org = ctx.individual("org")
    assert org is not None
    assert org.get("kind") == "org"
    assert ctx.fully_qualified_key == "org:o:user:u"


def test_parse_context__multi_with_one_member__single_context():
    ctx = parse_context({"kind": "multi", "org": {"key": "o"}})
    assert not ctx.is_multi
    assert ctx.kinds == ("org",)


def test_parse_context__legacy_user__converted_to_user_kind():
    ctx = parse_context(
        {
            "key": "u1",
            "name": "Ann",
            "email": "a@x.com",
            "country": "NO",
            "anonymous": True,
            "secondary": "ignored",
            "custom": {"groups": ["a"], "kind": "dropped", "key": "dropped", "name": "dropped"},
            "privateAttributeNames": ["email"],
            "unknownTopLevel": 1,
        }
    )
    (u,) = ctx.members
    assert (u.kind, u.key, u.name, u.anonymous) == ("user", "u1", "Ann", True)
    assert u.get("email") == "a@x.com"
    assert u.get("country") == "NO"
    assert u.get("groups") == ["a"]
    assert u.get("secondary") is None
    assert u.get("unknownTopLevel") is None
    assert u.private_attributes == ("email",)


def test_parse_context__legacy_user_empty_key__allowed():
    assert parse_context({"key": ""}).members[0].key == ""


def test_parse_context__null_attribute__same_as_absent():
    ctx = parse_context({"kind": "user", "key": "u", "x": None, "name": None})
    assert ctx.members[0].get("x") is None
    assert ctx.members[0].get("name") is None


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        P([], "context: expected an object, got array", id="not an object"),
        P("u", "context: expected an object, got string", id="string"),
        P({"kind": "user"}, "context.key: is required", id="missing key"),
        P({"kind": "user", "key": ""}, "context.key: must not be empty", id="empty key"),
        P({"kind": "user", "key": 5}, "context.key: expected a string", id="non-string key"),
        P({"name": "x"}, "context.key: is required", id="legacy without key"),
        P({"key": 5}, "context.key: expected a string", id="legacy non-string key"),
        P({"kind": 5, "key": "k"}, "context.kind: expected a string", id="non-string kind"),
        P({"kind": "", "key": "k"}, "context.kind: invalid context kind", id="empty kind"),
        P({"kind": "kind", "key": "k"}, "context.kind: invalid context kind", id="kind kind"),
        P({"kind": "a b", "key": "k"}, "context.kind: invalid context kind", id="bad chars"),
        P({"kind": "multi"}, "at least one member", id="multi without members"),
        P({"kind": "multi", "org": "x"}, "context.org: expected an object", id="member not object"),
        P(
            {"kind": "multi", "multi": {"key": "k"}},
            "context.multi: invalid context kind",
            id="member of kind multi",
        ),
        P(
            {"kind": "multi", "org": {"key": ""}},
            "context.org.key: must not be empty",
            id="member empty key",
        ),
        P(
            {"kind": "user", "key": "k", "name": 1},
            "context.name: expected a string",
            id="non-string name",
        ),
        P(
            {"kind": "user", "key": "k", "anonymous": "y"},
            "context.anonymous: expected a boolean",
            id="non-bool anonymous",
        ),
        P(
            {"kind": "user", "key": "k", "_meta": []},
            "context._meta: expected an object",
            id="meta not object",
        ),
        P({"key": "k", "custom": []}, "context.custom: expected an object", id="custom not object"),
        P({"key": "k", "email": 1}, "context.email: expected a string", id="legacy email type"),
        P(
            {"key": "k", "privateAttributeNames": [1]},
            "expected an array of strings",
            id="private names type",
        ),
    ],
)
def test_parse_context__malformed__invalid_request_naming_problem(payload, message):
    with pytest.raises(InvalidRequest, match=message.replace(".", r"\.")) as info:
        parse_context(payload)
    assert info.value.status == 400


@pytest.mark.parametrize(
    ("raw", "kind", "components", "error"),
    [
        P("name", None, ("name",), None, id="literal"),
        P("/a/b", None, ("/a/b",), None, id="literal mode keeps slash"),
        P("/a/b", "user", ("a", "b"), None, id="path"),
        P("a/b", "user", ("a/b",), None, id="reference mode without slash"),
        P("/a~1b/c~0d", "user", ("a/b", "c~d"), None, id="escapes"),
        P("", None, (), "empty", id="empty"),
        P("/", "user", (), "empty", id="slash alone"),
        P("/a/", "user", (), "empty path component", id="trailing slash"),
        P("/a~", "user", (), "'~'", id="trailing tilde"),
        P("/a~2", "user", (), "'~'", id="bad escape"),
    ],
)
def test_parse_attribute_ref__forms__components_or_error(raw, kind, components, error):
    ref = parse_attribute_ref(raw, context_kind=kind)
    assert ref.components == components
    if error is None:
        assert ref.error is None
    else:
        assert ref.error is not None
        assert error in ref.error


def test_context__built_ins__override_same_named_custom_attributes():
    member = SingleContext(kind="user", key="k", attributes={"key": "other", "name": "n"})
    assert member.get("key") == "k"
    assert member.get("name") is None
    assert Context.single(member).fully_qualified_key == "k"


def test_context__fully_qualified_key__escapes_non_user():
    ctx = parse_context({"kind": "org", "key": "a:b%c"})
    assert ctx.fully_qualified_key == "org:a%3Ab%25c"


@pytest.mark.parametrize(
    ("payload", "got"),
    [
        P({"kind": True, "key": "k"}, "boolean", id="bool kind"),
        P({"kind": 1.5, "key": "k"}, "number", id="number kind"),
        P({"kind": None, "key": "k"}, "null", id="null kind"),
        P({"kind": {}, "key": "k"}, "object", id="object kind"),
        P({"kind": [], "key": "k"}, "array", id="array kind"),
    ],
)
def test_parse_context__wrong_kind_type__message_names_json_type(payload, got):
    with pytest.raises(InvalidRequest, match=f"got {got}"):
        parse_context(payload)
