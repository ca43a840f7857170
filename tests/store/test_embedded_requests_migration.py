"""The embedded store's migration of issue 9 on a database written before it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from service.requests import RequestDraft, RequestStatus, new_request_id
from service.store.embedded import DB_FILENAME, MIGRATIONS, SCHEMA_VERSION, EmbeddedStore


async def test_a_database_from_before_requests_gains_them_and_keeps_its_data(
    tmp_path: Path,
) -> None:
    conn = sqlite3.connect(tmp_path / DB_FILENAME, isolation_level=None)
    # The database as it was just before the migration that adds the requests.
    before = next(n for n, m in enumerate(MIGRATIONS) if "connection_request" in m[0])
    for statements in MIGRATIONS[:before]:
        for statement in statements:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {before:d}")
    conn.execute(
        "INSERT INTO person (id, name, name_key) "
        "VALUES ('ann', 'Ann', 'ann'), ('bob', 'Bob', 'bob')"
    )
    conn.close()
    store = EmbeddedStore(tmp_path)
    await store.open()
    try:
        assert set(await store.get_people(["ann", "bob"])) == {"ann", "bob"}
        draft = RequestDraft(new_request_id(), "bob", "ann", "hi", datetime(2026, 1, 1, tzinfo=UTC))
        (filed,) = await store.receive_requests([], [draft])
        assert filed.status is RequestStatus.PENDING
    finally:
        await store.close()
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM connection_request").fetchone()[0] == 1
    conn.close()
