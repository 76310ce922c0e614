// Draws the dashboards' charts with ECharts from the JSON the page embeds (json_script); no figure is computed
// here. Each <div class="chart" data-chart=KIND data-source=ID> gets one chart.
(function () {
  "use strict";
  var pct = function (v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; };
  var builders = {
    trend: function (d) {
      return {
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 44, right: 40, top: 30, bottom: 24 },
        xAxis: { type: "category", data: d.points.map(function (p) { return p.month.slice(2); }) },
        yAxis: [{ type: "value" }, { type: "value", axisLabel: { formatter: "{value}%" } }],
        series: [
          { name: d.label, type: "bar", data: d.points.map(function (p) { return p.value; }), itemStyle: { color: "#198754" } },
          { name: d.yoy, type: "line", yAxisIndex: 1, data: d.points.map(function (p) { return pct(p.yoy); }) },
          { name: d.mom, type: "line", yAxisIndex: 1, data: d.points.map(function (p) { return pct(p.mom); }) }
        ]
      };
    },
    bars: function (d) {
      return {
        tooltip: { trigger: "axis" }, grid: { left: 90, right: 16, top: 10, bottom: 24 },
        xAxis: { type: "value" }, yAxis: { type: "category", inverse: true, data: d.keys, axisLabel: { width: 80, overflow: "truncate" } },
        series: [{ name: d.label, type: "bar", data: d.values, itemStyle: { color: "#20c997" } }]
      };
    },
    tiers: function (d) {
      var max = Math.max.apply(null, d.cells.map(function (c) { return c[2]; }).concat([1]));
      return {
        tooltip: {}, grid: { left: 40, right: 10, top: 10, bottom: 60 },
        xAxis: { type: "category", data: d.tiers, name: d.to, nameLocation: "middle", nameGap: 24 },
        yAxis: { type: "category", data: d.tiers, name: d.from, nameLocation: "middle", nameGap: 28 },
        visualMap: { min: 0, max: max, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 80 },
        series: [{ type: "heatmap", data: d.cells, label: { show: true } }]
      };
    },
    map: function (d) {
      return {
        tooltip: { formatter: function (p) { return p.value[4] + "<br>" + d.label + ": " + pct(p.value[2]) + "%"; } },
        grid: { left: 10, right: 10, top: 10, bottom: 50 },
        xAxis: { type: "value", scale: true, show: false }, yAxis: { type: "value", scale: true, show: false },
        visualMap: { min: 0, max: 1, dimension: 2, orient: "horizontal", left: "center", bottom: 0, itemHeight: 80,
                     inRange: { color: ["#dc3545", "#ffc107", "#198754"] } },
        series: [{ type: "scatter", symbolSize: 9, data: d.points }]
      };
    }
  };
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.source);
      if (!source || !builders[el.dataset.chart]) return;
      var data = JSON.parse(source.textContent);
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(builders[el.dataset.chart](data));
      if (el.dataset.chart === "map") {
        chart.on("click", function (p) { window.location.href = data.link.replace("CODE", encodeURIComponent(p.value[3])); });
      }
      window.addEventListener("resize", function () { chart.resize(); });
      el.dataset.drawn = "1";
    });
  }
  function picker() {
    var form = document.getElementById("period-picker");
    if (!form) return;
    var select = form.querySelector("select[name=period]");
    var sync = function () { form.dataset.kind = select.value; };
    select.addEventListener("change", sync);
    sync();
  }
  document.addEventListener("DOMContentLoaded", function () { picker(); draw(); });
})();
