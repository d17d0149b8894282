// Long requests (imports): a form with data-progress shows its [data-progress-bar] from the moment it is submitted
// until the server answers with the next page (core/_submit_progress.html).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || !form.matches || !form.matches("form[data-progress]")) {
    return;
  }
  var bar = form.querySelector("[data-progress-bar]");
  if (bar) {
    bar.hidden = false;
    form.setAttribute("aria-busy", "true");
  }
});
