/* Dashboard charts: each <canvas data-chart="ID"> reads its spec from the json_script element ID.
   Numbers arrive as strings (exact decimals) or integers; null means "no data" and leaves a gap. */
(function () {
  "use strict";
  var palette = ["#1f4e79", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d"];

  function toNumber(value) {
    if (value === null || value === undefined || value === "") { return null; }
    var n = Number(value);
    return isNaN(n) ? null : n;
  }

  function build(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var hasY2 = false;
    var datasets = spec.datasets.map(function (ds, i) {
      var colour = palette[i % palette.length];
      var out = {
        label: ds.label,
        data: ds.data.map(toNumber),
        borderColor: colour,
        backgroundColor: (ds.type || spec.kind) === "bar" ? colour + "cc" : colour,
        borderWidth: 2,
        pointRadius: spec.labels.length > 60 ? 0 : 2,
        spanGaps: false,
        tension: 0
      };
      if (ds.type) { out.type = ds.type; }
      if (ds.dashed) { out.borderDash = [6, 4]; out.pointRadius = 0; out.borderWidth = 1.5; }
      if (ds.stepped) { out.stepped = true; }
      if (ds.axis === "y2") { out.yAxisID = "y2"; hasY2 = true; }
      return out;
    });
    var scales = {
      x: { stacked: !!spec.stacked, ticks: { autoSkip: true, maxTicksLimit: 14 } },
      y: { stacked: !!spec.stacked, beginAtZero: true, title: { display: !!spec.yTitle, text: spec.yTitle } }
    };
    if (hasY2) {
      scales.y2 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                    title: { display: !!spec.y2Title, text: spec.y2Title } };
    }
    new Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: scales
      }
    });
  }

  function toggles() {
    document.querySelectorAll("[data-toggle-table]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.dataset.toggleTable);
        if (!target) { return; }
        var hidden = target.classList.toggle("visually-hidden");
        button.setAttribute("aria-expanded", hidden ? "false" : "true");
        button.textContent = hidden ? "Show table" : "Hide table";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(build);
    toggles();
  });
})();
