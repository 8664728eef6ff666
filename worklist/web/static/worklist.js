// The worklist refreshes its rows in place: the filters, the ticked rows and any half-typed
// note stay as they are. It stops once nobody has touched the page for the session's idle
// time, so an unattended screen still logs out.
(function () {
  "use strict";
  var results = document.getElementById("results");
  if (!results) { return; }
  var every = parseInt(results.getAttribute("data-refresh-seconds"), 10) || 0;
  var idle = parseInt(results.getAttribute("data-idle-seconds"), 10) || 0;
  var lastTouch = Date.now();
  ["keydown", "pointerdown", "wheel", "input"].forEach(function (name) {
    document.addEventListener(name, function () { lastTouch = Date.now(); }, { passive: true });
  });

  function ticked() {
    return Array.prototype.map.call(
      document.querySelectorAll('input[name="item_ids"]:checked'),
      function (box) { return box.value; });
  }

  function wireTickAll() {
    var all = document.getElementById("tick-all");
    if (!all) { return; }
    all.addEventListener("change", function () {
      document.querySelectorAll('input[name="item_ids"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }

  function refresh() {
    if (idle && Date.now() - lastTouch > (idle - every) * 1000) { return; }
    var keep = ticked();
    fetch(window.location.href, { credentials: "same-origin", redirect: "follow" })
      .then(function (response) {
        // A redirect (to the login page) or an error: leave the page as it is.
        if (!response.ok || response.url.split("?")[0] !== window.location.href.split("?")[0]) {
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-refresh-part]").forEach(function (part) {
          var name = part.getAttribute("data-refresh-part");
          var replacement = fresh.querySelector('[data-refresh-part="' + name + '"]');
          if (replacement) { part.innerHTML = replacement.innerHTML; }
        });
        document.querySelectorAll('input[name="item_ids"]').forEach(function (box) {
          box.checked = keep.indexOf(box.value) >= 0;
        });
        wireTickAll();
        results.setAttribute("data-refreshed-at", String(Date.now()));
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  wireTickAll();
  if (every > 0) { window.setInterval(refresh, every * 1000); }
}());
