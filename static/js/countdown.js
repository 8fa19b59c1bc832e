/* SLA countdowns: every .sla-countdown[data-due] shows the time left (or overdue) and turns amber under
   15 minutes, red when overdue. Re-reads the page each second, so rows htmx swaps in count down too. */
(function () {
  "use strict";
  function fmt(s) {
    var a = Math.abs(s), h = Math.floor(a / 3600), m = Math.floor((a % 3600) / 60), x = Math.floor(a % 60);
    return (h ? h + "h " : "") + m + "m " + (h ? "" : x + "s");
  }
  function tick() {
    document.querySelectorAll(".sla-countdown[data-due]").forEach(function (el) {
      var left = (Date.parse(el.dataset.due) - Date.now()) / 1000;
      el.textContent = left < 0 ? "overdue " + fmt(left) : fmt(left) + " left";
      el.classList.toggle("text-bg-danger", left < 0);
      el.classList.toggle("text-bg-warning", left >= 0 && left < 900);
      el.classList.toggle("text-bg-light", left >= 900);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
