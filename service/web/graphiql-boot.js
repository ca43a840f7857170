// Starts GraphiQL (vendored under vendor/, see scripts/vendor-graphiql) against this page's URL.
// The web app's token (sessionStorage "tiegraph.token", same origin) is sent as a bearer token;
// headers typed into GraphiQL's editor are added on top. Headers are not persisted to
// localStorage, so a token does not outlive the browser session.
(function () {
  "use strict";
  const WELCOME = `# tiegraph: GraphiQL served by the service itself (works offline).
#
# Run a query with Ctrl-Enter. Outside --dev, put a token in the Headers tab:
#   {"Authorization": "Bearer <token>"}
# (a token pasted in the web app at / is sent for you).
{
  people(first: 5) { items { id name } nextCursor }
}
`;
  const parameters = new URLSearchParams(window.location.search);
  const url = window.location.href.split("?")[0];
  const headers = {};
  const token = window.sessionStorage.getItem("tiegraph.token");
  if (token) {
    headers.Authorization = "Bearer " + token;
  }
  const fetcher = GraphiQL.createFetcher({ url: url, headers: headers });

  function App() {
    const [query, setQuery] = React.useState(parameters.get("query") || WELCOME);
    function onEditQuery(text) {
      setQuery(text);
      parameters.set("query", text);
      window.history.replaceState(null, "", "?" + parameters.toString());
    }
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      query: query,
      onEditQuery: onEditQuery,
      defaultEditorToolsVisibility: true,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(App));
})();
