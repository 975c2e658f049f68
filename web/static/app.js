// Review queue: select all, and keys (j/k move, x select, c confirm, r reject).
// No inline scripts anywhere: the Content-Security-Policy allows only this file and htmx.
(function () {
  "use strict";
  function pairs() { return Array.prototype.slice.call(document.querySelectorAll("section.pair")); }
  var current = -1;
  function focus(i) {
    var all = pairs();
    if (!all.length) { return; }
    current = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (p) { p.classList.remove("current"); });
    all[current].classList.add("current");
    all[current].focus();
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "select-all") {
      document.querySelectorAll("section.pair input[type=checkbox]").forEach(function (box) {
        box.checked = e.target.checked;
      });
    }
  });
  document.addEventListener("keydown", function (e) {
    var form = document.getElementById("review-form");
    if (!form || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" && e.target.type !== "checkbox") { return; }
    if (tag === "SELECT" || tag === "TEXTAREA") { return; }
    var all = pairs();
    if (e.key === "j") { focus(current + 1); }
    else if (e.key === "k") { focus(current - 1); }
    else if (e.key === "x" && all[current]) {
      var box = all[current].querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; }
    } else if (e.key === "c" || e.key === "r") {
      if (!form.querySelector("section.pair input[type=checkbox]:checked") && all[current]) {
        var own = all[current].querySelector("input[type=checkbox]");
        if (own) { own.checked = true; }
      }
      var button = document.getElementById(e.key === "c" ? "confirm-selected" : "reject-selected");
      if (button) { button.click(); }
    } else { return; }
    e.preventDefault();
  });
}());
