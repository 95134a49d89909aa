// The scorecard's charts: each section's figures, already in its table, drawn with
// Chart.js (web/static/vendor/, installed by `make setup` from package-lock.json).
// Without JavaScript, or without Chart.js, the page keeps its tables.
(function () {
  "use strict";
  var source = document.getElementById("scorecard-charts");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var page = JSON.parse(source.textContent);
  var colours = ["#123d6a", "#e0851c", "#2f8f5b", "#b03a48", "#6b4fa0", "#4a90c2"];
  var numbers = new Intl.NumberFormat(page.locale, { maximumFractionDigits: 1 });

  page.charts.forEach(function (chart) {
    var canvas = document.getElementById("chart-" + chart.id);
    if (!canvas) {
      return;
    }
    var valueAxis = chart.horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = {
      beginAtZero: true,
      ticks: {
        precision: chart.unit === "count" ? 0 : undefined,
        callback: function (value) {
          return numbers.format(value);
        },
      },
      title: { display: true, text: page.axes[chart.unit] },
    };
    // Right to left: the category axis runs from the right, as the reader reads.
    if (page.rtl && !chart.horizontal) {
      scales.x = { reverse: true };
      scales.y.position = "right";
    }
    if (page.rtl && chart.horizontal) {
      scales.x.reverse = true;
      scales.y = { position: "right" };
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, i) {
          return {
            label: series.label,
            data: series.data,
            backgroundColor: colours[i % colours.length],
          };
        }),
      },
      options: {
        indexAxis: chart.horizontal ? "y" : "x",
        locale: page.locale,
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: scales,
        plugins: {
          legend: { display: chart.series.length > 1, rtl: page.rtl },
          tooltip: { rtl: page.rtl },
        },
      },
    });
    canvas.setAttribute("data-drawn", "true");
  });
})();
