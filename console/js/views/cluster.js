// The cluster: its nodes with their leases, how many shards each owns (and a map of the shards,
// coloured by owner), and draining a node (its shards move away before it stops).
import { api, mutate, segment } from '../api.js';
import { confirmAction } from '../confirm.js';
import { badge, button, card, code, h, table, time, viewHeader } from '../dom.js';
import { problemBox, showNotice } from '../problems.js';

const tones = ['a', 'b', 'c', 'e', 'f', 'g'];

export default function cluster(root) {
  const body = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  const leave = async (node) => {
    const done = await confirmAction({
      title: `Drain node ${node.id}`,
      description: h('p', {}, 'Node ', code(node.id), ' hands its shards to the other nodes, then stops. Requests keep being served by the others.'),
      confirmLabel: `Drain ${node.id}`,
      destructive: true,
      perform: (reason, key) => mutate(`/admin/cluster/nodes/${segment(node.id)}/leave`, { reason, idempotencyKey: key }),
    });
    if (!done) return;
    showNotice(`Node ${node.id} is leaving.`);
    refresh();
  };
  const refresh = async () => {
    try {
      const view = await api('/admin/cluster');
      const owners = view.shards?.owners || {};
      const total = view.shards?.count ?? 0;
      const counts = new Map();
      for (const owner of Object.values(owners)) counts.set(owner, (counts.get(owner) || 0) + 1);
      const toneOf = new Map((view.nodes || []).map((n, i) => [n.id, tones[i % tones.length]]));
      const unowned = total - Object.keys(owners).length;
      const nodes = table([
        { title: 'Node', cell: (n) => h('span', {}, h('span', { class: ['legend-swatch', `tone-${toneOf.get(n.id)}`] }), code(n.id),
          n.id === view.self ? h('span', { class: 'tag', text: 'this node' }) : null) },
        { title: 'Status', cell: (n) => badge(n.status) },
        { title: 'HTTP', cell: (n) => n.http || '—' },
        { title: 'Cluster address', cell: (n) => n.address || '—' },
        { title: 'Shards owned', class: 'num', cell: (n) => String(counts.get(n.id) || 0) },
        { title: 'Share', cell: (n) => h('span', { class: 'progress' },
          h('progress', { max: Math.max(total, 1), value: counts.get(n.id) || 0 }),
          h('span', { text: total ? `${Math.round((100 * (counts.get(n.id) || 0)) / total)}%` : '—' })) },
        { title: 'Lease expires', cell: (n) => time(n.lease_expires_at) },
        { title: '', class: 'actions', cell: (n) => (n.status === 'up' && (view.nodes || []).length > 1
          ? button('Drain…', () => leave(n), { kind: 'danger-quiet', name: 'leave' }) : null) },
      ], view.nodes || [], { empty: 'No nodes.' });
      // The map is as large as cluster.shards (fixed, 256 by default): bounded, so drawn whole.
      const map = total <= 4096
        ? h('div', { class: 'shard-map', 'aria-label': 'shards by owner' },
          Array.from({ length: total }, (_, shard) => {
            const owner = owners[String(shard)];
            return h('span', { class: ['shard', owner ? `tone-${toneOf.get(owner) || 'z'}` : 'shard-unowned'], title: `shard ${shard}: ${owner || 'no owner'}` });
          }))
        : h('p', { class: 'muted', text: 'Too many shards to draw.' });
      body.replaceChildren(
        h('div', { class: 'stats' },
          h('div', { class: 'stat' }, h('div', { class: 'stat-value', text: String((view.nodes || []).length) }), h('div', { class: 'stat-label', text: 'nodes' })),
          h('div', { class: 'stat' }, h('div', { class: 'stat-value', text: String(total) }), h('div', { class: 'stat-label', text: 'shards' })),
          h('div', { class: 'stat' }, h('div', { class: ['stat-value', unowned ? 'stat-bad' : null], text: String(unowned) }), h('div', { class: 'stat-label', text: 'shards without owner' }))),
        card('Nodes', nodes),
        card('Shard map', map));
    } catch (error) {
      body.replaceChildren(problemBox(error));
    }
  };
  root.append(viewHeader('Cluster', {
    subtitle: 'Nodes, their leases and the shards each owns, as this node last read the membership table.',
    actions: [button('Refresh', () => refresh(), { name: 'refresh' })],
  }), body);
  refresh();
  const timer = setInterval(refresh, 5000);
  return () => clearInterval(timer);
}
