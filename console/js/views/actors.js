// The supervision tree (GET /admin/actors): every supervisor and child with its state and how
// often it was restarted, refreshed every 5 s. A restarted child stands out.
import { api } from '../api.js';
import { badge, button, card, h, viewHeader } from '../dom.js';
import { problemBox } from '../problems.js';

function countNodes(node) {
  return 1 + (node.children || []).reduce((sum, child) => sum + countNodes(child), 0);
}

function totalRestarts(node) {
  return (node.restarts || 0) + (node.children || []).reduce((sum, child) => sum + totalRestarts(child), 0);
}

function branch(node, depth) {
  const restarts = node.restarts || 0;
  const below = totalRestarts(node) - restarts;
  const line = h('div', { class: ['tree-line', restarts > 0 ? 'tree-restarted' : null] },
    h('span', { class: 'tree-id', text: node.id }),
    h('span', { class: 'tree-type', text: node.type }),
    node.strategy ? h('span', { class: 'tree-strategy', title: 'restart strategy', text: node.strategy }) : null,
    badge(node.state),
    h('span', { class: ['tree-restarts', restarts > 0 ? 'has-restarts' : null], title: 'restarts of this actor',
      text: `${restarts} restart${restarts === 1 ? '' : 's'}` }),
    below > 0 ? h('span', { class: 'tree-below', text: `${below} below` }) : null);
  const children = node.children || [];
  if (!children.length) return h('li', { class: 'tree-leaf', dataset: { actor: node.id } }, line);
  const details = h('details', { open: depth < 2 || below > 0 }, h('summary', {}, line),
    h('ul', { class: 'tree' }, children.map((child) => branch(child, depth + 1))));
  return h('li', { dataset: { actor: node.id } }, details);
}

export default function actors(root) {
  const summary = h('p', { class: 'subtitle' });
  const body = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  const chosen = new Map();  // actor path -> open, for branches the operator opened or closed
  const draw = (tree) => {
    body.replaceChildren(h('ul', { class: ['tree', 'tree-root'] }, branch(tree, 0)));
    for (const details of body.querySelectorAll('li[data-actor] > details')) {
      const at = path(details.parentElement);
      if (chosen.has(at)) details.open = chosen.get(at);
      details.addEventListener('toggle', () => chosen.set(at, details.open));
    }
  };
  const refresh = async () => {
    try {
      const tree = await api('/admin/actors');
      summary.textContent = `${countNodes(tree)} actors · ${totalRestarts(tree)} restarts in all · refreshed ${new Date().toLocaleTimeString(undefined, { hour12: false })}`;
      draw(tree);
    } catch (error) {
      body.replaceChildren(problemBox(error));
    }
  };
  root.append(viewHeader('Supervision tree', {
    subtitle: 'Supervisors and their children as the node runs them now; refreshed every 5 s.',
    actions: [button('Refresh', refresh, { name: 'refresh' })],
  }), summary, card(null, body));
  refresh();
  const timer = setInterval(refresh, 5000);
  return () => clearInterval(timer);
}

// An actor's place in the tree, as the ids from the root down.
function path(li) {
  const ids = [];
  for (let at = li; at; at = at.parentElement?.closest('li[data-actor]')) ids.unshift(at.dataset.actor);
  return ids.join('/');
}
