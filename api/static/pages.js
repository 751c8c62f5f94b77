// Keyboard help for the reading pages (no build step, no dependency): Escape closes the open panel (a <details>)
// and puts the focus back on its summary; a link to a panel opens it; a link to a line of the report scrolls it
// into the middle of the screen.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = Array.prototype.slice.call(document.querySelectorAll("details[open]"));
    if (!open.length) return;
    var inside = open.filter(function (d) { return d.contains(document.activeElement); });
    var panel = inside.length ? inside[inside.length - 1] : open[open.length - 1];
    panel.open = false;
    var summary = panel.querySelector("summary");
    if (summary) summary.focus();
  });
  function centre() {
    if (!location.hash || location.hash.length < 2) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === "DETAILS") target.open = true; // "All statements" opens when linked to
    if (target && target.closest(".report")) target.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", centre);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", centre); else centre();
})();
