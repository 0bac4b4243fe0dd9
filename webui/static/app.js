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
  // Server-sent events where the browser has them, else polling.
  var c2c = document.getElementById("c2c-status");
  if (c2c) {
    var label = c2c.querySelector("strong");
    var labels = JSON.parse(label.getAttribute("data-labels"));
    var show = function (data) {
      c2c.setAttribute("data-state", data.status);
      c2c.className = "c2c c2c-" + data.status;
      label.textContent = labels[data.status] || data.status;
      c2c.querySelector(".cause").textContent = data.cause || "";
    };
    var finished = function () {
      var state = c2c.getAttribute("data-state");
      return state === "ended" || state === "failed";
    };
    if (window.EventSource && c2c.getAttribute("data-stream")) {
      if (!finished()) {
        var source = new EventSource(c2c.getAttribute("data-stream"));
        source.addEventListener("status", function (ev) { show(JSON.parse(ev.data)); });
        source.addEventListener("end", function () { source.close(); });
      }
    } else if (window.fetch) {
      var rounds = 0;
      var follow = function () {
        if (finished() || rounds > 120) { return; }
        rounds += 1;
        fetch(c2c.getAttribute("data-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (data) { show(data); }
            window.setTimeout(follow, 1000);
          });
      };
      window.setTimeout(follow, 1000);
    }
  }

  // While a change is being applied, follow its status (server-sent events,
  // else polling) and reload the page once it is live or failed.
  var panel = document.getElementById("apply-status");
  if (panel && panel.getAttribute("data-state") === "pending") {
    if (window.EventSource && panel.getAttribute("data-stream")) {
      var events = new EventSource(panel.getAttribute("data-stream"));
      events.addEventListener("status", function (ev) {
        var data = JSON.parse(ev.data);
        if (data.state !== "pending") { events.close(); window.location.reload(); }
      });
      events.addEventListener("end", function () { events.close(); });
    } else if (window.fetch) {
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
  }
})();

/* Special numbers (§3.7.7.2): the total of each routing's load shares follows what is typed. */
(function () {
  "use strict";
  var form = document.getElementById("routings-form");
  if (!form) { return; }
  form.addEventListener("input", function (ev) {
    if (!ev.target.classList || !ev.target.classList.contains("percent")) { return; }
    var routing = ev.target.closest("fieldset.routing");
    var total = 0;
    routing.querySelectorAll("input.percent").forEach(function (input) {
      var value = parseInt(input.value, 10);
      if (!isNaN(value)) { total += value; }
    });
    routing.querySelector(".routing-total .total").textContent = String(total);
    routing.querySelector(".routing-total").classList.toggle("wrong", total !== 100);
  });
})();

/* V-5: new voicemail messages, live (the user's « Ma messagerie » tab, the
   admin's lines list): server-sent events, else polling every 15 s. */
(function () {
  "use strict";
  var nav = document.querySelector("nav.tabs[data-vm-stream]");
  var total = document.querySelector("[data-vm-total]");
  var perLine = document.querySelectorAll("[data-vm-line]");
  if (!nav || (!total && !perLine.length)) { return; }
  var set = function (el, n) {
    el.textContent = String(n);
    el.classList.toggle("zero", !n);
  };
  var show = function (data) {
    if (total) { set(total, data.total); }
    for (var i = 0; i < perLine.length; i += 1) {
      var n = data.lines[perLine[i].getAttribute("data-vm-line")];
      if (n !== undefined) { set(perLine[i], n); }
    }
  };
  if (window.EventSource) {
    var source = new EventSource(nav.getAttribute("data-vm-stream"));
    source.addEventListener("counters", function (ev) { show(JSON.parse(ev.data)); });
  } else if (window.fetch) {
    var poll = function () {
      fetch(nav.getAttribute("data-vm-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { show(data); } window.setTimeout(poll, 15000); })
        .catch(function () { window.setTimeout(poll, 15000); });
    };
    window.setTimeout(poll, 15000);
  }
}());
