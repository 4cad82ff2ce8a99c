// The operator audit log (GET /admin/audit): every admin mutation, newest first — who (the
// token's label), what (method and path), why (the reason given), when, and how it ended.
import { api, query } from '../api.js';
import { badge, button, card, code, field, h, table, time, viewHeader } from '../dom.js';
import { cursorPager, pageSize } from '../pager.js';

function statusBadge(status) {
  const text = String(status ?? '—');
  const tone = text.startsWith('2') ? 'good' : text.startsWith('4') ? 'wait' : text.startsWith('5') ? 'bad' : 'neutral';
  return h('span', { class: ['badge', `badge-${tone}`], text });
}

export default function audit(root, { query: hashQuery, navigate }) {
  const who = hashQuery.get('who') || '';
  const input = h('input', { type: 'text', name: 'who', value: who, placeholder: 'a token\'s label, e.g. admin', autocomplete: 'off' });
  const form = h('form', { class: 'inline-form', dataset: { form: 'audit-filter' } }, field('Who', input),
    h('button', { type: 'submit', class: ['button', 'button-primary'], text: 'Apply' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate('audit', [], { who: input.value.trim() });
  });
  const pager = cursorPager({
    label: 'audit',
    fetchPage: (cursor) => api(`/admin/audit${query({ who, limit: pageSize, cursor })}`),
    render: (items) => table([
      { title: 'At', cell: (a) => time(a.at) },
      { title: 'Who', cell: (a) => badge(a.who) },
      { title: 'Method', cell: (a) => h('span', { class: 'method', text: a.method }) },
      { title: 'Path', cell: (a) => code(a.path) },
      { title: 'Reason', class: 'wide', cell: (a) => h('span', { class: 'audit-reason', text: a.reason || '' }) },
      { title: 'Status', cell: (a) => statusBadge(a.status) },
      { title: 'Idempotency key', cell: (a) => (a.idempotency_key
        ? h('code', { class: 'id muted', title: a.idempotency_key, text: `${a.idempotency_key.slice(0, 8)}…` })
        : h('span', { class: 'muted', text: '—' })) },
    ], items, { empty: 'No operator actions recorded yet.', rowClass: () => 'audit-row' }),
  });
  root.append(
    viewHeader('Audit log', { subtitle: 'Every change made with an admin token, newest first.',
      actions: [button('Refresh', () => pager.first(), { name: 'refresh' })] }),
    card(null, form),
    card(null, pager.element));
  pager.first();
}
