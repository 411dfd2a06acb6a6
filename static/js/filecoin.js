// Filecoin provider charts (CSP-clean: no inline script). The server puts the range's data
// in <script type="application/json" id="history-data">; this draws it with Chart.js on page
// load and again whenever HTMX swaps in another range. Amounts arrive as exact decimal
// strings of FIL and become numbers only to be drawn (the table and CSV keep every digit).
// Lines differ by dash pattern and point shape as well as colour, so they read without colour.
(function () {
  "use strict";

  const STYLES = {
    active: { color: "#1f77b4", dash: [], point: "circle" },
    live: { color: "#2ca02c", dash: [6, 3], point: "rect" },
    faulty: { color: "#d62728", dash: [], point: "triangle" },
    faultyMax: { color: "#d62728", dash: [2, 3], point: "crossRot" },
    penaltyLive: { color: "#9467bd", dash: [], point: "circle" },
    penaltyFaulty: { color: "#d62728", dash: [6, 3], point: "triangle" },
    available: { color: "#1f77b4", dash: [], point: "circle" },
    availableMin: { color: "#1f77b4", dash: [2, 3], point: "crossRot" },
    locked: { color: "#ff7f0e", dash: [6, 3], point: "rect" },
  };

  function numbers(values) {
    return values.map(function (v) { return v === null ? null : Number(v); });
  }

  function dataset(label, values, style, axis) {
    return {
      yAxisID: axis || "y",
      label: label,
      data: numbers(values),
      borderColor: style.color,
      backgroundColor: style.color,
      borderDash: style.dash,
      pointStyle: style.point,
      pointRadius: values.length > 200 ? 0 : 2,
      borderWidth: 2,
      tension: 0,
      spanGaps: true,
    };
  }

  function chartSets(data) {
    const s = data.series;
    const buckets = data.resolution !== "raw";
    const sectors = [
      dataset("Active", s.active_sectors.last, STYLES.active),
      dataset("Live", s.live_sectors.last, STYLES.live),
      // Faulty sectors are a few against thousands: their own axis, on the right.
      dataset("Faulty (right axis)", s.faulty_sectors.last, STYLES.faulty, "y1"),
    ];
    const balances = [
      dataset("Available", s.available_balance.last, STYLES.available),
      dataset("Locked rewards", s.locked_rewards.last, STYLES.locked),
    ];
    if (buckets) {
      sectors.push(dataset("Faulty, highest in period (right axis)", s.faulty_sectors.max, STYLES.faultyMax, "y1"));
      balances.push(dataset("Available, lowest in period", s.available_balance.min, STYLES.availableMin));
    }
    return {
      sectors: sectors,
      penalties: [
        dataset("Live sectors penalty (FIL)", s.live_sectors_penalty.last, STYLES.penaltyLive),
        dataset("Faulty sectors penalty (FIL)", s.faulty_sectors_penalty.last, STYLES.penaltyFaulty),
      ],
      balances: balances,
    };
  }

  function scales(name) {
    const result = { x: { ticks: { maxTicksLimit: 12, autoSkip: true } }, y: { position: "left" } };
    if (name === "sectors") {
      result.y1 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                    title: { display: true, text: "faulty" } };
    }
    return result;
  }

  function draw(root) {
    const source = root.querySelector("#history-data");
    if (!source || typeof window.Chart === "undefined") return;
    const data = JSON.parse(source.textContent);
    const sets = chartSets(data);
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      const existing = window.Chart.getChart(canvas);
      if (existing) existing.destroy();
      const chart = new window.Chart(canvas, {
        type: "line",
        data: { labels: data.labels, datasets: sets[canvas.dataset.chart] || [] },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          interaction: { mode: "index", intersect: false },
          plugins: { legend: { labels: { usePointStyle: true } } },
          scales: scales(canvas.dataset.chart),
        },
      });
      canvas.dataset.points = String(data.labels.length);
      canvas.dataset.range = data.range;
      return chart;
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function () { draw(document); });
})();
