// A bulk load records its last committed batch on (:__Load {key}); the checkpoint is read
// and merged by key.
CREATE CONSTRAINT load_key_unique IF NOT EXISTS
FOR (l:`__Load`) REQUIRE l.key IS UNIQUE
