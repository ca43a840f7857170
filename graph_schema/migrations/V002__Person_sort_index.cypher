// `people` lists by name then id in code point order; nameSort/idSort are domain.sort_key
// values, and this composite range index lets the unfiltered listing read in index order.
CREATE INDEX person_name_sort IF NOT EXISTS
FOR (p:Person) ON (p.nameSort, p.idSort);
