// GraphQL over HTTP to this service's /graphql, with the session's token when there is one.
// A failure is thrown as an ApiError whose message says what the server said, in words.
import { token } from "./session.js";

export class ApiError extends Error {
  /** @param {Array<{message: string, extensions?: object}>} errors */
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.name = "ApiError";
    this.errors = errors;
  }
}

export async function gql(query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const bearer = token();
  if (bearer) {
    headers.Authorization = "Bearer " + bearer;
  }
  let response;
  try {
    response = await fetch("graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    throw new ApiError([{ message: "the service did not answer: " + e.message, extensions: { code: "NETWORK" } }]);
  }
  let body;
  try {
    body = await response.json();
  } catch (e) {
    throw new ApiError([{ message: `HTTP ${response.status}: the answer was not JSON`, extensions: { code: "HTTP_" + response.status } }]);
  }
  if (body.errors && body.errors.length) {
    throw new ApiError(body.errors);
  }
  if (!response.ok) {
    throw new ApiError([{ message: `HTTP ${response.status}`, extensions: { code: "HTTP_" + response.status } }]);
  }
  return body.data;
}
