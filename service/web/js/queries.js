// The GraphQL documents the pages send (API.md v1; the v2 ones are next to their pages).
import { gql } from "./api.js";

export const PERSON_FIELDS = "id name headline company location profileUrl";
export const STEP_FIELDS = "from { id name } to { id name } strength ratedBy { id name } groups";

export async function searchPeople(text, first = 20, after = null) {
  const data = await gql(
    `query People($search: String, $first: Int, $after: String) {
      people(search: $search, first: $first, after: $after) { items { ${PERSON_FIELDS} } nextCursor }
    }`,
    { search: text || null, first, after },
  );
  return data.people;
}

export async function suggest(text) {
  return (await searchPeople(text, 8)).items;
}
