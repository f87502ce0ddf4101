from __future__ import annotations

import pytest

from cloudgate.cli.failures import EXIT_USAGE, UsageFailure
from cloudgate.cli.parsing import field_assignments, json_value, string_pairs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", 10),
        ("1.5", 1.5),
        ("true", True),
        ("null", None),
        ('["a", "b"]', ["a", "b"]),
        ('{"k": "v"}', {"k": "v"}),
        ('"10"', "10"),
        ("web-1", "web-1"),
        ("", ""),
        ("10.0.0.0/24", "10.0.0.0/24"),
    ],
)
def test_json_value_parses_json_or_keeps_the_text(text, expected):
    assert json_value(text) == expected


def test_field_assignments_split_on_the_first_equals_sign():
    assert field_assignments(["size_gb=20", "name=a=b", "tags={\"env\": \"prod\"}"]) == {
        "size_gb": 20,
        "name": "a=b",
        "tags": {"env": "prod"},
    }


def test_string_pairs_keep_strings():
    assert string_pairs(["access_key=123", "secret_key=true"], "--credential") == {
        "access_key": "123",
        "secret_key": "true",
    }


@pytest.mark.parametrize("text", ["novalue", "=value", " =x"])
def test_a_pair_without_key_or_equals_sign_is_a_usage_failure(text):
    with pytest.raises(UsageFailure) as caught:
        field_assignments([text])
    assert caught.value.exit_code == EXIT_USAGE
    assert "--set expects key=value" in caught.value.message
