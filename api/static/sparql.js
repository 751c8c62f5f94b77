// The query page's only script: load an example into the editor, run with Ctrl+Enter. Loads nothing else.
(function () {
  var form = document.getElementById("sparql-form");
  var query = document.getElementById("query");
  var examples = document.getElementById("examples");
  examples.addEventListener("change", function () {
    var template = document.getElementById("example-" + examples.value);
    if (template) { query.value = template.content.textContent; }
  });
  query.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.submit(); }
  });
})();
