#include <rill/io/web_ui_page.hpp>

namespace rill::detail {

// Charts: one <svg class="chart"> per series, one <circle class="point"
// data-batch-time=.. data-value=..> per batch (the browser test counts them), the last
// 120 completed batches (all it asks /api/batches for). Batch times above 10^12 ms are epoch times
// (system clock) and shown as UTC; smaller ones (a manual clock) as seconds.
const std::string_view web_ui_page = R"rillpage(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>rill streaming</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; background: #fafafa; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 20px 0 6px; }
  #status { color: #666; margin-bottom: 10px; }
  #status.down { color: #b00; font-weight: bold; }
  .summary span { display: inline-block; margin-right: 22px; }
  .summary b { font-variant-numeric: tabular-nums; }
  .charts { display: grid; grid-template-columns: repeat(2, minmax(300px, 1fr)); gap: 12px; }
  .chart-box { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 6px 8px; }
  .chart-box h3 { font-size: 13px; margin: 0; font-weight: 600; }
  svg.chart { width: 100%; height: 170px; display: block; }
  svg.chart .axis { stroke: #999; stroke-width: 1; }
  svg.chart .grid { stroke: #eee; stroke-width: 1; }
  svg.chart text { font-size: 10px; fill: #666; }
  svg.chart polyline { fill: none; stroke-width: 1.5; }
  table { border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums; }
  th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
  th { background: #f0f0f0; font-weight: 600; }
  td.text { text-align: left; }
  .active { color: #080; font-weight: 600; }
  .inactive { color: #b00; font-weight: 600; }
  .none { color: #888; }
</style>
</head>
<body>
<h1>rill streaming</h1>
<div id="status">connecting…</div>
<div class="summary" id="summary"></div>
<h2>Batches</h2>
<div class="charts">
  <div class="chart-box"><h3>Input rate (records/s)</h3><svg class="chart" id="chart-input-rate" data-points="0"></svg></div>
  <div class="chart-box"><h3>Scheduling delay (ms)</h3><svg class="chart" id="chart-scheduling-delay" data-points="0"></svg></div>
  <div class="chart-box"><h3>Processing delay (ms)</h3><svg class="chart" id="chart-processing-delay" data-points="0"></svg></div>
  <div class="chart-box"><h3>Total delay (ms)</h3><svg class="chart" id="chart-total-delay" data-points="0"></svg></div>
</div>
<h2>Active batches</h2>
<div id="active"></div>
<h2>Completed batches (the last 50, newest first)</h2>
<div id="batches"></div>
<h2>Receivers</h2>
<div id="receivers"></div>
<h2>Stream errors</h2>
<div id="errors"></div>
<script>
"use strict";
const CHART_BATCHES = 120;
const SVGNS = "http://www.w3.org/2000/svg";

function timeText(ms) {
  if (ms === null || ms === undefined) return "–";
  if (Math.abs(ms) >= 1e12) return new Date(ms).toISOString().substring(11, 23) + " UTC";
  return (ms / 1000).toFixed(3) + " s";
}
function msText(v) { return v === null || v === undefined ? "–" : v + " ms"; }
function num(v) { return Number(v).toLocaleString("en-US"); }

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  return e;
}

// One chart: a polyline and a circle per batch; y from 0 to the largest value.
function drawChart(id, color, batches, value) {
  const box = document.getElementById(id);
  const W = Math.max(box.clientWidth || 600, 200), H = 170, L = 48, R = 8, T = 8, B = 22;
  box.setAttribute("viewBox", "0 0 " + W + " " + H);
  while (box.firstChild) box.removeChild(box.firstChild);
  const pts = batches.map(b => ({ t: b.batch_time_ms, v: value(b) })).filter(p => p.v !== null);
  box.setAttribute("data-points", String(pts.length));
  const maxV = Math.max(1, ...pts.map(p => p.v));
  const t0 = pts.length ? pts[0].t : 0, t1 = pts.length ? pts[pts.length - 1].t : 1;
  const x = t => L + (t1 === t0 ? (W - L - R) / 2 : (t - t0) / (t1 - t0) * (W - L - R));
  const y = v => T + (1 - v / maxV) * (H - T - B);
  for (let i = 0; i <= 4; ++i) {
    const v = maxV * i / 4;
    box.appendChild(svg("line", { class: "grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    const label = svg("text", { x: L - 4, y: y(v) + 3, "text-anchor": "end" });
    label.textContent = v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(v >= 10 ? 1 : 2);
    box.appendChild(label);
  }
  box.appendChild(svg("line", { class: "axis", x1: L, x2: L, y1: T, y2: H - B }));
  box.appendChild(svg("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
  if (pts.length) {
    const left = svg("text", { x: L, y: H - 6, "text-anchor": "start" });
    left.textContent = timeText(t0);
    const right = svg("text", { x: W - R, y: H - 6, "text-anchor": "end" });
    right.textContent = timeText(t1);
    box.appendChild(left);
    box.appendChild(right);
  }
  box.appendChild(svg("polyline", {
    stroke: color, points: pts.map(p => x(p.t).toFixed(1) + "," + y(p.v).toFixed(1)).join(" ") }));
  for (const p of pts) {
    const c = svg("circle", { class: "point", cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 2.5,
                              fill: color, "data-batch-time": p.t, "data-value": p.v });
    const tip = svg("title", {});
    tip.textContent = timeText(p.t) + ": " + p.v;
    c.appendChild(tip);
    box.appendChild(c);
  }
}

function table(columns, rows) {
  if (!rows.length) return el("div", { class: "none" }, "none");
  const t = el("table");
  const head = el("tr");
  for (const c of columns) head.appendChild(el("th", {}, c[0]));
  t.appendChild(head);
  for (const r of rows) {
    const tr = el("tr");
    columns.forEach((c, i) => {
      const cell = r[i];
      const td = el("td", c[1] ? { class: c[1] } : {});
      if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell;
      tr.appendChild(td);
    });
    t.appendChild(tr);
  }
  return t;
}
function replace(id, node) {
  const box = document.getElementById(id);
  while (box.firstChild) box.removeChild(box.firstChild);
  box.appendChild(node);
}

let previous = null;
function render(d) {
  const batches = d.batches;
  const shown = batches.slice(-CHART_BATCHES);
  const interval = d.batch_interval_ms;
  const rate = (b, i) => {
    let span = interval;
    if (span <= 0 && i > 0) span = b.batch_time_ms - shown[i - 1].batch_time_ms;
    return span > 0 ? Math.round(b.records * 1000 / span) : null;
  };
  const rates = new Map(shown.map((b, i) => [b.batch_time_ms, rate(b, i)]));
  drawChart("chart-input-rate", "#1f77b4", shown, b => rates.get(b.batch_time_ms));
  drawChart("chart-scheduling-delay", "#ff7f0e", shown, b => b.scheduling_delay_ms);
  drawChart("chart-processing-delay", "#2ca02c", shown, b => b.processing_delay_ms);
  drawChart("chart-total-delay", "#d62728", shown, b => b.total_delay_ms);

  const last = batches.length ? batches[batches.length - 1] : null;
  const summary = document.getElementById("summary");
  while (summary.firstChild) summary.removeChild(summary.firstChild);
  const item = (label, value) => {
    const s = el("span", {}, label + ": ");
    s.appendChild(el("b", {}, value));
    summary.appendChild(s);
  };
  item("batch interval", interval + " ms");
  item("batches completed", num(d.batches_completed));
  item("records", num(d.records));
  item("last batch", last ? timeText(last.batch_time_ms) : "–");
  item("late records", num(d.late_records));
  item("watermark", last && last.watermark_ms !== null ? timeText(last.watermark_ms) : "–");
  item("receiver errors", num(d.receiver_errors));
  item("stream errors", num(d.stream_errors));

  replace("active", table(
      [["batch time"], ["status", "text"], ["records"], ["submitted"], ["started"]],
      d.active_batches.map(b => [timeText(b.batch_time_ms), b.status, num(b.records),
                                 timeText(b.submission_time_ms), timeText(b.processing_start_time_ms)])));
  replace("batches", table(
      [["batch time"], ["records"], ["input rate (records/s)"], ["scheduling delay"], ["processing delay"],
       ["total delay"], ["late records"], ["watermark"], ["output ops"]],
      batches.slice(-50).reverse().map(b => [
        timeText(b.batch_time_ms), num(b.records),
        rates.has(b.batch_time_ms) && rates.get(b.batch_time_ms) !== null ? num(rates.get(b.batch_time_ms)) : "–",
        msText(b.scheduling_delay_ms), msText(b.processing_delay_ms), msText(b.total_delay_ms),
        num(b.late_records), timeText(b.watermark_ms), b.output_operations])));
  replace("receivers", table(
      [["stream"], ["receiver", "text"], ["state", "text"], ["errors"], ["last error", "text"]],
      d.receivers.map(r => [r.stream_id, r.name,
                            el("span", { class: r.active ? "active" : "inactive" }, r.active ? "active" : "stopped"),
                            num(r.errors), r.last_error === null ? "–" : r.last_error])));
  replace("errors", table(
      [["stream"], ["name", "text"], ["errors"], ["message", "text"]],
      d.recent_stream_errors.slice().reverse().map(e => [e.stream_id, e.stream, num(e.errors), e.error])));
  previous = d;
}

async function poll() {
  const status = document.getElementById("status");
  try {
    const response = await fetch("/api/batches?last=" + CHART_BATCHES, { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    status.className = "";
    status.textContent = "updated " + new Date().toISOString().substring(11, 19) + " UTC, every second";
    document.body.setAttribute("data-updated", "1");
  } catch (e) {
    status.className = "down";
    status.textContent = "cannot reach the streaming job (" + e.message + ")" +
                         (previous ? ": showing the last data" : "");
  }
}
poll();
setInterval(poll, 1000);
</script>
</body>
</html>
)rillpage";

}  // namespace rill::detail
