/* A little progressive behaviour; every page works without it. */
(function () {
  "use strict";

  // Confirmation before destructive forms (data-confirm).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var text = form.getAttribute && form.getAttribute("data-confirm");
    if (text && !window.confirm(text)) { ev.preventDefault(); }
  }, true);

  // Hunt-group members: ▲/▼ reorder on the page; "Save the routing order" saves.
  var list = document.getElementById("members");
  if (list) {
    list.addEventListener("click", function (ev) {
      var button = ev.target.closest("button.move-up, button.move-down");
      if (!button) { return; }
      ev.preventDefault();
      var item = button.closest("li.member");
      if (button.classList.contains("move-up") && item.previousElementSibling) {
        list.insertBefore(item, item.previousElementSibling);
      } else if (button.classList.contains("move-down") && item.nextElementSibling) {
        list.insertBefore(item.nextElementSibling, item);
      }
      var note = document.querySelector("#members-form .unsaved");
      if (note) { note.hidden = false; }
      button.focus();
    });
  }

  // While a change is being applied, refresh its status.
  var panel = document.getElementById("apply-status");
  if (panel && panel.getAttribute("data-state") === "pending" && window.fetch) {
    var tries = 0;
    var poll = function () {
      tries += 1;
      fetch(panel.getAttribute("data-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.state !== "pending") { window.location.reload(); }
          else if (tries < 30) { window.setTimeout(poll, 2000); }
        })
        .catch(function () {});
    };
    window.setTimeout(poll, 2000);
  }
})();
