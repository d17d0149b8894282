// A <select data-autosubmit> submits its form when changed (was an inline onchange handler, which the
// Content-Security-Policy forbids).
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
