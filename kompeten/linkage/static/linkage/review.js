/* The clerical review page: keyboard shortcuts. s = same person, d = different persons, u = unsure (each presses
 * the button of the decision form, so the answer is posted as a click would post it), n = the next pair. Keys are
 * ignored while typing in a field and with Ctrl, Alt or Meta held. Plain JavaScript, no build step.
 */
(function () {
  "use strict";

  var DECISIONS = { s: "same", d: "different", u: "unsure" };
  var sent = false;

  function typing(target) {
    if (!target) {
      return false;
    }
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) || sent) {
      return;
    }
    var key = (event.key || "").toLowerCase();
    var form = document.getElementById("decision-form");
    if (form && DECISIONS[key]) {
      var button = form.querySelector('button[name="decision"][value="' + DECISIONS[key] + '"]');
      if (button) {
        event.preventDefault();
        sent = true;
        button.click();
      }
      return;
    }
    if (key === "n") {
      var next = document.getElementById("next-link");
      if (next) {
        event.preventDefault();
        window.location.assign(next.href);
      }
    }
  });

  var form = document.getElementById("decision-form");
  if (form) {
    form.addEventListener("submit", function () {
      sent = true;
    });
  }
})();
