"""GCE's `filter` expressions on listings: `name = web-1`, `status != RUNNING`, `labels.env = prod`,
`name eq 'web-.*'` (the older regular-expression form), comparisons joined by AND, OR or juxtaposed inside
parentheses. A name compared for equality goes to the store; the rest is checked on each record."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from cloudgate.foreign_ids import to_gce_id
from cloudgate.frontends.gce.errors import invalid
from cloudgate.frontends.gce.states import status_of
from cloudgate.model import ResourceRecord
from cloudgate.query import Match, TagMatch

MAX_FILTER = 4096
OPERATORS = ("=", "!=", "eq", "ne", ":")
PUNCTUATION = "()=!:"
Test = Callable[[ResourceRecord], bool]

# Field -> how a record shows it (labels.<key> is read from the tags).
FIELDS: dict[str, Callable[[ResourceRecord], str | None]] = {
    "name": lambda record: record.name,
    "status": status_of,
    "id": lambda record: to_gce_id(record.id),
}


@dataclass(frozen=True)
class Filter:
    matches: tuple[Match, ...] = ()
    tags: tuple[TagMatch, ...] = ()
    tests: tuple[Test, ...] = field(default_factory=tuple)

    def keeps(self, record: ResourceRecord) -> bool:
        return all(test(record) for test in self.tests)

    @classmethod
    def parse(cls, text: str) -> Filter:
        text = text.strip()
        if not text:
            return cls()
        if len(text) > MAX_FILTER:
            raise invalid(f"Invalid value for field 'filter': longer than {MAX_FILTER} characters")
        try:
            lexer = shlex.shlex(text, posix=True, punctuation_chars=PUNCTUATION)
            lexer.wordchars += "-./*?[]^$+|{},@"
            tokens = list(lexer)
        except ValueError:
            raise invalid(f"Invalid value for field 'filter': '{text[:100]}'") from None
        parser = _Parser(tokens, text)
        test = parser.expression()
        if parser.at < len(tokens):
            raise parser.error()
        matches, tags = parser.pushed if parser.only_and else ((), ())
        return cls(tuple(matches), tuple(tags), (test,))


class _Parser:
    def __init__(self, tokens: list[str], text: str):
        self.tokens = tokens
        self.text = text
        self.at = 0
        self.only_and = True  # equality on the name can go to the store only when every term must hold
        self.pushed: tuple[list[Match], list[TagMatch]] = ([], [])

    def error(self) -> Exception:
        return invalid(f"Invalid value for field 'filter': '{self.text[:100]}'. Invalid list filter expression.")

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise self.error()
        self.at += 1
        return token

    def expression(self) -> Test:
        terms = [self.term()]
        joins: list[str] = []
        while self.peek() not in (None, ")"):
            join = "AND"
            if self.peek() in ("AND", "OR"):
                join = self.take()
            joins.append(join)
            terms.append(self.term())
        if "OR" in joins:
            self.only_and = False
            groups: list[list[Test]] = [[terms[0]]]
            for join, term in zip(joins, terms[1:], strict=True):
                groups.append([term]) if join == "OR" else groups[-1].append(term)
            return lambda record: any(all(t(record) for t in group) for group in groups)
        return lambda record: all(term(record) for term in terms)

    def term(self) -> Test:
        if self.peek() == "(":
            self.take()
            inner = self.expression()
            if self.take() != ")":
                raise self.error()
            return inner
        negated = self.peek() in ("NOT", "-")
        if negated:
            self.take()
            self.only_and = False
        name = self.take()
        operator = self.take()
        if operator == "!" and self.peek() == "=":
            self.take()
            operator = "!="
        if operator not in OPERATORS:
            raise self.error()
        value = self.take()
        if all(c in PUNCTUATION for c in value):  # `name = (`: no value
            raise self.error()
        test = self._comparison(name, operator, value)
        return (lambda record: not test(record)) if negated else test

    def _comparison(self, name: str, operator: str, value: str) -> Test:
        if name.startswith("labels."):
            key = name.removeprefix("labels.")
            read: Callable[[ResourceRecord], str | None] = lambda record: record.tags.get(key)
        elif name in FIELDS:
            read = FIELDS[name]
        else:
            raise invalid(f"Invalid value for field 'filter': '{self.text[:100]}'. Invalid field name '{name[:60]}'.")
        if operator in ("eq", "ne"):  # the older form: a regular expression the whole value matches
            try:
                pattern = re.compile(value)
            except re.error:
                raise invalid(f"Invalid value for field 'filter': '{value[:60]}' is no regular expression") from None
            matched: Test = lambda record: (shown := read(record)) is not None and bool(pattern.fullmatch(shown))
            return matched if operator == "eq" else (lambda record: not matched(record))
        wildcard = re.compile(".*".join(re.escape(part) for part in value.split("*")))
        equal: Test = lambda record: (shown := read(record)) is not None and bool(wildcard.fullmatch(shown))
        if operator == ":" and value == "*":  # `labels.env:*`: the label is there
            return lambda record: read(record) is not None
        if operator in ("=", ":") and name == "name" and "*" not in value and not self.pushed[0]:
            self.pushed[0].append(Match("name", (value,)))
        return equal if operator in ("=", ":") else (lambda record: not equal(record))
