// Progressive enhancement of the live room's pages: everything works without this file.
// Participants: each answer is saved as it is chosen (the form's button still saves the whole page).
// Facilitator: the counts refresh every few seconds; the page reloads when a new result is released.
(function () {
  "use strict";

  function post(url, data) {
    return fetch(url, {method: "POST", credentials: "same-origin",
                       headers: {"Content-Type": "application/x-www-form-urlencoded"},
                       body: new URLSearchParams(data).toString()});
  }

  function enhanceRating(form) {
    var url = form.getAttribute("data-answer-url");
    var csrf = form.querySelector("input[name=csrf]").value;
    form.querySelectorAll("fieldset[data-practice]").forEach(function (set) {
      var id = set.getAttribute("data-practice");
      var status = set.querySelector("[data-saved-for]");
      var note = set.querySelector("textarea");
      function save() {
        var chosen = set.querySelector("input[type=radio]:checked");
        if (!chosen) { return; }
        status.textContent = "Saving\u2026";
        status.classList.remove("failed");
        post(url, {csrf: csrf, practice_id: id, score: chosen.value, note: note ? note.value : ""})
          .then(function (r) {
            if (!r.ok) { throw new Error(r.status); }
            status.textContent = "Saved";
            set.classList.remove("missing");
          })
          .catch(function () {
            status.textContent = "Not saved yet: use the button below to save this page.";
            status.classList.add("failed");
          });
      }
      set.querySelectorAll("input[type=radio]").forEach(function (radio) {
        radio.addEventListener("change", save);
      });
      if (note) { note.addEventListener("change", save); }
    });
  }

  function followRoom(panel) {
    var url = panel.getAttribute("data-status-url");
    var version = panel.getAttribute("data-version");
    function text(id, value) {
      var el = document.getElementById(id);
      if (el && el.textContent !== String(value)) { el.textContent = value; }
    }
    function poll() {
      fetch(url, {credentials: "same-origin", cache: "no-store"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) { return; }
          if (String(s.version) !== version) { window.location.reload(); return; }
          text("n-joined", s.joined);
          text("n-finished", s.finished);
          text("room-state", s.state);
          text("live-status", s.status);
          s.areas.forEach(function (a, i) { text("area-" + (i + 1), a.done); });
        })
        .catch(function () {})
        .then(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-answer-url]").forEach(enhanceRating);
    var panel = document.querySelector("[data-status-url]");
    if (panel) { followRoom(panel); }
  });
})();
