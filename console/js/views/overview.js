// Overview: this node's traffic, latency, errors, journal and dead letters over the last five
// minutes (from /metrics, sampled every 2 s by sampler.js), and the cluster's nodes.
import { api, query } from '../api.js';
import { formatNumber, lineChart } from '../chart.js';
import { badge, card, code, h, table, time, viewHeader } from '../dom.js';
import { problemBox } from '../problems.js';
import { intervalMs, onSample, sampleCount, samplingError, series, windowMs } from '../sampler.js';

// Each chart: which series of sampler.series() it draws, and how its values read.
const charts = [
  { id: 'requests', title: 'Request rate', unit: '/s', lines: [['requestRate', 'requests/s', 'a']],
    note: 'HTTP answers per second, /metrics scrapes left out' },
  { id: 'latency', title: 'Latency', unit: ' ms', lines: [['p50', 'p50', 'a'], ['p99', 'p99', 'c']],
    note: 'p50 and p99 of the time to answer' },
  { id: 'errors', title: 'Error rate', unit: '%', lines: [['errorShare', '5xx share', 'd']],
    note: 'share of answers with a 5xx status' },
  { id: 'appends', title: 'Journal appends', unit: '/s', lines: [['appendRate', 'appends/s', 'b']],
    note: 'events written to the journal per second' },
  { id: 'batches', title: 'Journal batch size', unit: '', lines: [['batchSize', 'appends per transaction', 'e']],
    note: 'mean appends per transaction (group commit)' },
  { id: 'dead-letters', title: 'Dead letters', unit: '', lines: [['deadLetters', 'parked since start', 'd']],
    note: 'letters parked since this node started' },
];

// The time the charts show: what has been sampled, at least a minute, at most the window kept.
function span(all, to) {
  const first = all.deadLetters[0]?.t ?? to;
  return Math.min(windowMs, Math.max(60000, to - first));
}

function latest(points) {
  for (let i = points.length - 1; i >= 0; i -= 1) if (points[i].v !== null && Number.isFinite(points[i].v)) return points[i].v;
  return null;
}

function chartCard(spec) {
  const plot = h('div', { class: 'chart-plot' });
  const readout = h('div', { class: 'chart-readout' });
  const element = h('section', { class: ['card', 'chart-card'], dataset: { chart: spec.id } },
    h('div', { class: 'chart-head' },
      h('div', {}, h('h2', { class: 'card-title', text: spec.title }), h('p', { class: 'chart-note', text: spec.note })),
      readout),
    plot);
  const update = (all) => {
    const to = Date.now();
    const lines = spec.lines.map(([key, name, tone]) => ({ name, tone, points: all[key] }));
    plot.replaceChildren(lineChart({ series: lines, from: to - span(all, to), to, unit: spec.unit, label: spec.title }));
    readout.replaceChildren(...lines.map((line) => h('div', { class: 'readout-line' },
      h('span', { class: ['legend-swatch', `tone-${line.tone}`] }),
      h('span', { class: 'readout-name', text: line.name }),
      h('span', { class: 'readout-value', text: `${formatNumber(latest(line.points))}${spec.unit}` }))));
  };
  return { element, update };
}

function nodesTable(cluster) {
  const owned = new Map();
  for (const owner of Object.values(cluster.shards?.owners || {})) owned.set(owner, (owned.get(owner) || 0) + 1);
  return table([
    { title: 'Node', cell: (n) => h('span', {}, code(n.id), n.id === cluster.self ? h('span', { class: 'tag', text: 'this node' }) : null) },
    { title: 'Status', cell: (n) => badge(n.status) },
    { title: 'HTTP', cell: (n) => n.http || '—' },
    { title: 'Cluster address', cell: (n) => n.address || '—' },
    { title: 'Shards', class: 'num', cell: (n) => String(owned.get(n.id) ?? n.shards ?? 0) },
    { title: 'Lease expires', cell: (n) => time(n.lease_expires_at) },
  ], cluster.nodes || [], { empty: 'No nodes reported.' });
}

export default function overview(root, { hrefOf }) {
  const status = h('p', { class: 'subtitle' });
  const stats = h('div', { class: 'stats' });
  const grid = h('div', { class: 'chart-grid' });
  const nodes = h('div', {}, h('p', { class: 'loading', text: 'Loading nodes…' }));
  root.append(
    viewHeader('Overview', { subtitle: `This node's metrics, sampled every ${intervalMs / 1000} s while the console is open; the charts keep the last five minutes.` }),
    status, stats, grid, card('Nodes', nodes));

  const cards = charts.map(chartCard);
  grid.append(...cards.map((c) => c.element));
  const redraw = () => {
    const all = series();
    for (const c of cards) c.update(all);
    const error = samplingError();
    status.replaceChildren(error ? problemBox(error) : h('span', { class: 'muted', text: `${sampleCount()} samples` }));
    status.dataset.samples = String(sampleCount());
  };
  redraw();
  const unsubscribe = onSample(redraw);

  const stat = (label, value, href) => h(href ? 'a' : 'div', { class: 'stat', href },
    h('div', { class: 'stat-value', text: value }), h('div', { class: 'stat-label', text: label }));
  const refreshSlow = async () => {
    const [cluster, pending, alerts] = await Promise.allSettled([
      api('/admin/cluster'),
      api(`/admin/dead-letters/count${query({ status: 'pending' })}`),
      api(`/admin/alerts${query({ status: 'open', limit: 100 })}`),
    ]);
    const parts = [];
    if (cluster.status === 'fulfilled') {
      const up = (cluster.value.nodes || []).filter((n) => n.status === 'up').length;
      parts.push(stat('nodes up', `${up} / ${(cluster.value.nodes || []).length}`, hrefOf('cluster')));
      nodes.replaceChildren(nodesTable(cluster.value));
    } else {
      nodes.replaceChildren(problemBox(cluster.reason));
    }
    if (pending.status === 'fulfilled') parts.push(stat('dead letters pending', String(pending.value.count), hrefOf('dead-letters')));
    if (alerts.status === 'fulfilled') {
      // One page at most: past 100 the figure says so rather than reading them all.
      const count = (alerts.value.items || []).length;
      parts.push(stat('open alerts', alerts.value.next_cursor ? `${count}+` : String(count), hrefOf('alerts')));
    }
    stats.replaceChildren(...parts);
  };
  refreshSlow();
  const slowTimer = setInterval(refreshSlow, 10000);
  return () => {
    unsubscribe();
    clearInterval(slowTimer);
  };
}
