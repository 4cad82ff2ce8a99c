// A small line chart drawn as inline SVG from JS (no library): time on x over a fixed window
// ending now, one or more series on a shared y axis starting at 0, gaps where a value is null.
const svgNs = 'http://www.w3.org/2000/svg';
const width = 560;
const height = 170;
const margin = { top: 10, right: 12, bottom: 22, left: 48 };

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

// 1, 2, 2.5, 5 × 10^n at or above `value`, so that gridlines fall on round numbers.
function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function ago(seconds) {
  const m = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  if (!m) return `${rest}s`;
  return rest ? `${m}m${rest}s` : `${m}m`;
}

export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const size = Math.abs(value);
  if (size >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (size >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (size >= 100 || Number.isInteger(value)) return String(Math.round(value));
  if (size >= 10) return String(Number(value.toFixed(1)));
  return String(Number(value.toFixed(2)));
}

// series: [{name, points: [{t, v}], tone: 'a'|'b'|...}]; window: [from, to] in ms.
// Returns the <svg>; each series is a <path class="series-line"> with data-points = its drawn points.
export function lineChart({ series, from, to, unit = '', label }) {
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const values = series.flatMap((s) => s.points.map((p) => p.v)).filter((v) => v !== null && Number.isFinite(v));
  const top = niceCeiling(Math.max(0, ...values));
  const x = (t) => margin.left + ((t - from) / (to - from)) * plotWidth;
  const y = (v) => margin.top + plotHeight - (v / top) * plotHeight;

  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label || 'chart' });
  const grid = svg('g', { class: 'chart-grid' });
  for (let i = 0; i <= 4; i += 1) {
    const value = (top * i) / 4;
    grid.append(svg('line', { x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value) }));
    grid.append(svg('text', { x: margin.left - 6, y: y(value) + 3.5, class: 'chart-y-label' }, `${formatNumber(value)}${unit}`));
  }
  // Ticks back from now, at a round step giving at most six of them.
  const span = (to - from) / 1000;
  const step = [10, 15, 30, 60, 120, 300].find((seconds) => span / seconds <= 6) || 600;
  for (let back = 0; back <= span + 0.001; back += step) {
    const t = to - back * 1000;
    grid.append(svg('line', { x1: x(t), x2: x(t), y1: margin.top, y2: margin.top + plotHeight, class: 'chart-x-tick' }));
    grid.append(svg('text', { x: x(t), y: height - 6, class: 'chart-x-label' }, back === 0 ? 'now' : `−${ago(back)}`));
  }
  root.append(grid);

  for (const s of series) {
    let d = '';
    let drawn = 0;
    let pen = false;
    for (const p of s.points) {
      if (p.t < from || p.v === null || !Number.isFinite(p.v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)} `;
      pen = true;
      drawn += 1;
    }
    const path = svg('path', { d: d.trim() || 'M0,0', class: `series-line tone-${s.tone || 'a'}`, 'data-points': drawn });
    path.append(svg('title', {}, s.name));
    root.append(path);
    // A lone point (one sample between gaps) would be invisible as a path: mark the last one.
    const last = [...s.points].reverse().find((p) => p.v !== null && Number.isFinite(p.v) && p.t >= from);
    if (last) root.append(svg('circle', { cx: x(last.t), cy: y(last.v), r: 2.5, class: `series-dot tone-${s.tone || 'a'}` }));
  }
  return root;
}
