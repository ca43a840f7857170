// Issue 9: a connection request is (:Person)-[:REQUESTED {id, message, sentAt, status,
// respondedAt}]->(:Person), from the requester to the owner; deleting either person deletes it.
// Reading or answering a request seeks it by id.
CREATE CONSTRAINT requested_id_unique IF NOT EXISTS
FOR ()-[r:REQUESTED]-() REQUIRE r.id IS UNIQUE;
// An owner's page filters by status and orders by sentAt.
CREATE INDEX requested_status_sent_at IF NOT EXISTS
FOR ()-[r:REQUESTED]-() ON (r.status, r.sentAt)
