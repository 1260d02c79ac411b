// A "Copy" button next to a read-only field: <button data-copy="FIELD-ID" data-copied="Copied">.
// Uses the Clipboard API where the page is allowed it (HTTPS or localhost); otherwise selects the
// text and uses the older copy command, so it also works on plain-HTTP intranet addresses.
(function () {
  "use strict";
  function copied(button) {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied");
    setTimeout(function () { button.textContent = label; }, 2000);
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) return;
      field.focus();
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { copied(button); }, function () {
          if (document.execCommand("copy")) copied(button);
        });
      } else if (document.execCommand("copy")) {
        copied(button);
      }
    });
  });
})();
