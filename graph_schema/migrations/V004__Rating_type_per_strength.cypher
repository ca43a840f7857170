// A rating's relationship type becomes its strength (RATED_1 .. RATED_5): a dense node keeps
// its relationships grouped by type, so a search can expand a hub's strong ties without
// reading its weak ones. Each statement moves what is left, so a re-run after a crash resumes.
MATCH (x:Person)-[r:RATED {strength: 1}]->(y:Person)
CALL (x, r, y) { CREATE (x)-[n:RATED_1]->(y) SET n = properties(r) DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (x:Person)-[r:RATED {strength: 2}]->(y:Person)
CALL (x, r, y) { CREATE (x)-[n:RATED_2]->(y) SET n = properties(r) DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (x:Person)-[r:RATED {strength: 3}]->(y:Person)
CALL (x, r, y) { CREATE (x)-[n:RATED_3]->(y) SET n = properties(r) DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (x:Person)-[r:RATED {strength: 4}]->(y:Person)
CALL (x, r, y) { CREATE (x)-[n:RATED_4]->(y) SET n = properties(r) DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (x:Person)-[r:RATED {strength: 5}]->(y:Person)
CALL (x, r, y) { CREATE (x)-[n:RATED_5]->(y) SET n = properties(r) DELETE r } IN TRANSACTIONS OF 10000 ROWS
