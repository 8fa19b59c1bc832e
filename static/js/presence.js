/* The header's presence switch (templates/queues/includes/_presence_header.html).

   On load it asks the heartbeat for the person's presence and shows it; then, while the tab is visible and
   the person has moved, typed or scrolled in the last minute, it tells the heartbeat once a minute, so
   last_seen_at stays fresh and the every-minute sweep sets away only people who really left. The switch
   itself is a plain form (it works without this script). */
(function () {
  "use strict";

  var box = document.querySelector("[data-presence]");
  if (!box) { return; }
  var url = box.dataset.heartbeatUrl;
  var active = true;
  var token = "";
  try { token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { token = ""; }

  function show(state) {
    var dot = box.querySelector("[data-presence-dot]");
    var label = box.querySelector("[data-presence-label]");
    if (!state || !state.status) { return; }
    dot.className = "presence-dot presence-" + state.status;
    label.textContent = state.label;
  }

  function beat(isActive) {
    var body = new URLSearchParams();
    body.set("active", isActive ? "1" : "0");
    fetch(url, {method: "POST", body: body, credentials: "same-origin",
                headers: {"X-CSRFToken": token, "Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(show)
      .catch(function () { /* offline or server down: try again next minute */ });
  }

  ["mousemove", "keydown", "click", "scroll", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function () { active = true; }, {passive: true});
  });
  beat(true);
  active = false;
  window.setInterval(function () {
    if (document.visibilityState !== "visible") { return; }
    beat(active);
    active = false;
  }, 60000);
})();
