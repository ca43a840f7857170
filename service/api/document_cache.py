"""Parse and validate each distinct query text once: a bounded LRU cache as a schema extension.

Clients send the same few documents over and over; parsing and validating one (with the depth
and alias rules) costs milliseconds, several times the work of a trivial query. The outcome of
both depends only on the query text and on the schema's fixed rules, so it is kept per schema,
keyed by the text:

- a parsed document is reused as is (graphql-core never mutates a document);
- its validation errors, or none, are reused as they are, so every limit still answers exactly
  as it did the first time;
- a text that does not parse (too many tokens included) is not kept: it fails again, the same way.

Only texts up to `MAX_CACHED_TEXT` characters are kept, so the cache holds at most
`maxsize * MAX_CACHED_TEXT` characters of keys however large the bodies clients send.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension

MAX_CACHED_TEXT = 16 * 1024
DEFAULT_MAXSIZE = 512


@dataclass(slots=True)
class _Entry:
    document: DocumentNode
    errors: list[GraphQLError] | None = None  # None: not validated yet


class DocumentLru:
    """Query text -> parsed document and validation outcome, least recently used dropped."""

    def __init__(self, maxsize: int = DEFAULT_MAXSIZE) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        # Operations run in several worker threads (service.api.offloop).
        self._lock = threading.Lock()

    def get(self, text: str) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(text)
            if entry is not None:
                self._entries.move_to_end(text)
            return entry

    def put(self, text: str, document: DocumentNode) -> None:
        if len(text) > MAX_CACHED_TEXT:
            return
        with self._lock:
            if text in self._entries:
                return
            self._entries[text] = _Entry(document)
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class CachedDocuments(SchemaExtension):
    """Skips parsing and validation of a query text this schema has already handled.

    Built per request from a factory that closes over one `DocumentLru` per schema (the cache
    is valid only for that schema's validation rules).
    """

    def __init__(self, cache: DocumentLru) -> None:
        self.cache = cache
        self._entry: _Entry | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query
        if text is not None and context.graphql_document is None:
            self._entry = self.cache.get(text)
            if self._entry is not None:
                context.graphql_document = self._entry.document  # strawberry then skips parse
        yield
        if self._entry is None and text is not None and context.graphql_document is not None:
            self.cache.put(text, context.graphql_document)
            self._entry = self.cache.get(text)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        entry = self._entry
        cached = entry is not None and entry.document is context.graphql_document
        if cached and entry is not None and entry.errors is not None:
            # A list, even empty, tells strawberry validation has already run.
            context.pre_execution_errors = list(entry.errors)
        yield
        if cached and entry is not None and entry.errors is None:
            entry.errors = list(context.pre_execution_errors or ())
