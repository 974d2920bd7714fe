// Charts of /console/statistics, drawn with the vendored Chart.js from the tables the page
// already shows (one source of figures; no inline script, the CSP stays default-src 'self').
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var COLOURS = ["#1f6feb", "#d4a72c", "#2da44e", "#cf222e", "#8250df", "#6e7781"];

  function number(cell) {
    var value = parseFloat((cell && cell.textContent || "").trim());
    return isNaN(value) ? null : value;
  }

  function rowsOf(table) {
    return Array.prototype.slice.call(table.querySelectorAll("tbody tr")).filter(function (tr) {
      return tr.cells.length > 1;
    });
  }

  function draw(canvas, labels, datasets) {
    var chart = new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        responsive: false,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { y: { beginAtZero: true } }
      }
    });
    canvas.setAttribute("data-rendered", String(labels.length));
    return chart;
  }

  document.querySelectorAll("canvas.chart").forEach(function (canvas) {
    var name = canvas.getAttribute("data-table");
    var table = document.querySelector("table[data-table='" + name + "']");
    if (!table) { return; }
    var rows = rowsOf(table);
    var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    var labels = rows.map(function (tr) { return tr.cells[0].textContent.trim(); });
    if (name === "time") {  // median and p90 against the promised limit, per item
      draw(canvas, labels, [2, 3, 4].map(function (col, i) {
        return {
          label: headers[col],
          data: rows.map(function (tr) { return number(tr.cells[col]); }),
          backgroundColor: COLOURS[i]
        };
      }));
      return;
    }
    draw(canvas, labels, [{
      label: headers[1] || name,
      data: rows.map(function (tr) { return number(tr.cells[1]); }),
      backgroundColor: labels.map(function (_, i) { return COLOURS[i % COLOURS.length]; })
    }]);
  });
})();
