"""How far a running import of Neo4j's offline importer is, from its output
(`neo4j_admin.progress_of`); the real importer's output is read in test_neo4j_import.py."""

from __future__ import annotations

from service.neo4j_admin import STARTING, ImporterProgress, progress_of

DOTS = ".......... .......... .......... .......... .........."
HEADER = """Neo4j version: 5.26.30
Import starting 2026-11-29 00:26:42.004+0000
  Estimated number of nodes: 100.33 k
"""
NODES = f"""(1/4) Node import 2026-11-29 00:26:42.021+0000
  Estimated number of nodes: 100.33 k
{DOTS}   5% ∆1s 218ms [1s 218ms]
{DOTS}  10% ∆201ms [1s 419ms]
"""
NODES_DONE = f"""{DOTS} 100% ∆0ms [1s 894ms]
Node import COMPLETED in 1s 913ms
"""
RELATIONSHIPS = """(2/4) Relationship import 2026-11-29 00:26:43.936+0000
  Estimated number of relationships: 2.53 M
"""


def test_nothing_before_the_first_stage() -> None:
    assert progress_of("") is None
    assert progress_of(HEADER) is None


def test_a_stage_and_its_last_percentage() -> None:
    assert progress_of(HEADER + NODES) == ImporterProgress(1, 4, "Node import", 10)
    assert progress_of(HEADER + NODES + NODES_DONE) == ImporterProgress(1, 4, "Node import", 100)


def test_a_new_stage_starts_at_zero_whatever_the_last_one_reached() -> None:
    output = HEADER + NODES + NODES_DONE + RELATIONSHIPS
    assert progress_of(output) == ImporterProgress(2, 4, "Relationship import", 0)
    later = output + f"{DOTS}  45% ∆1s 3ms [12s 302ms]\n"
    assert progress_of(later) == ImporterProgress(2, 4, "Relationship import", 45)


def test_a_row_still_being_written_counts_once_its_percentage_is_there() -> None:
    partial = HEADER + NODES + NODES_DONE + RELATIONSHIPS + ".......... ....."
    assert progress_of(partial) == ImporterProgress(2, 4, "Relationship import", 0)


def test_what_a_stage_and_the_start_look_like_to_a_reader() -> None:
    assert ImporterProgress(2, 4, "Relationship import", 45).describe() == (
        "(2/4) Relationship import"
    )
    assert STARTING.describe() == "starting"
