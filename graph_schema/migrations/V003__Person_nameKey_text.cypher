// `people(search:)` matches any part of the casefolded name: a text index answers CONTAINS
// without scanning every person.
CREATE TEXT INDEX person_name_key_text IF NOT EXISTS
FOR (p:Person) ON (p.nameKey);
