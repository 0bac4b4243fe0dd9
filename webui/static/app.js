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

  // Click-to-call progress: ringing you → calling → connected / ended / failed.
  var c2c = document.getElementById("c2c-status");
  if (c2c && window.fetch) {
    var label = c2c.querySelector("strong");
    var labels = JSON.parse(label.getAttribute("data-labels"));
    var rounds = 0;
    var follow = function () {
      var state = c2c.getAttribute("data-state");
      if (state === "ended" || state === "failed" || rounds > 120) { return; }
      rounds += 1;
      fetch(c2c.getAttribute("data-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data) {
            c2c.setAttribute("data-state", data.status);
            c2c.className = "c2c c2c-" + data.status;
            label.textContent = labels[data.status] || data.status;
            c2c.querySelector(".cause").textContent = data.cause || "";
          }
          window.setTimeout(follow, 1000);
        });
    };
    window.setTimeout(follow, 1000);
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
