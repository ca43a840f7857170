// Every lookup, MERGE and path endpoint seeks Person by id; the constraint's index also
// serves `people(search:)` as an id prefix seek.
CREATE CONSTRAINT person_id_unique IF NOT EXISTS
FOR (p:Person) REQUIRE p.id IS UNIQUE;
