// Alerts raised for the operator (stalled checkouts, prices the store platform refused, …):
// open or acknowledged, a page at a time; acknowledging one records the operator's note.
import { api, mutate, query, segment } from '../api.js';
import { confirmAction } from '../confirm.js';
import { badge, button, card, code, field, h, table, time, viewHeader } from '../dom.js';
import { cursorPager, pageSize } from '../pager.js';
import { showNotice } from '../problems.js';

export default function alerts(root, { query: hashQuery, navigate }) {
  const status = hashQuery.has('status') ? hashQuery.get('status') : 'open';
  const select = h('select', { name: 'status' },
    [['open', 'open'], ['acknowledged', 'acknowledged'], ['', 'any']].map(([value, text]) =>
      h('option', { value, selected: value === status || (value === '' && status === 'any'), text })));
  select.addEventListener('change', () => navigate('alerts', [], { status: select.value || 'any' }));
  const shownStatus = status === 'any' ? '' : status;

  const acknowledge = async (alert) => {
    const done = await confirmAction({
      title: `Acknowledge alert ${alert.topic}`,
      description: h('p', {}, 'Marks the alert about ', code(alert.subject), ' acknowledged; your reason is kept as its note.'),
      confirmLabel: 'Acknowledge',
      perform: (reason, key) => mutate(`/admin/alerts/${segment(alert.id)}/acknowledge`, { body: { note: reason.trim().slice(0, 500) }, reason, idempotencyKey: key }),
    });
    if (!done) return;
    showNotice(`Alert ${alert.id} acknowledged.`);
    pager.remember(done);
    pager.reload();
  };

  const pager = cursorPager({
    label: 'alerts',
    fetchPage: (cursor) => api(`/admin/alerts${query({ status: shownStatus, limit: pageSize, cursor })}`),
    render: (items) => table([
      { title: 'Raised', cell: (a) => time(a.raised_at) },
      { title: 'Topic', cell: (a) => h('span', { class: 'strong', text: a.topic }) },
      { title: 'Subject', cell: (a) => code(a.subject) },
      { title: 'Message', class: 'wide', cell: (a) => a.message },
      { title: 'Status', cell: (a) => badge(a.status) },
      { title: 'Note', cell: (a) => (a.status === 'acknowledged' ? h('span', {}, a.note || '', ' ', time(a.acknowledged_at)) : '') },
      { title: '', class: 'actions', cell: (a) => (a.status === 'open' ? button('Acknowledge…', () => acknowledge(a), { name: 'acknowledge' }) : null) },
    ], items, { empty: 'No alerts.' }),
  });
  root.append(
    viewHeader('Alerts', { subtitle: 'What the node raised for an operator to look at.',
      actions: [button('Refresh', () => pager.reload(), { name: 'refresh' })] }),
    card(null, h('div', { class: 'inline-form' }, field('Status', select))),
    card(null, pager.element));
  pager.first();
}
