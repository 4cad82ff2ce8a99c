// Merge reviews: merges of more than three profiles wait here for an operator, who approves
// (the candidates are merged as they are now) or rejects (they stay apart).
import { api, mutate, query, segment } from '../api.js';
import { confirmAction } from '../confirm.js';
import { badge, button, card, code, field, h, link, table, time, viewHeader } from '../dom.js';
import { cursorPager, pageSize } from '../pager.js';
import { showNotice } from '../problems.js';

export default function mergeReviews(root, { query: hashQuery, navigate, hrefOf }) {
  const status = hashQuery.has('status') ? hashQuery.get('status') : 'pending';
  const select = h('select', { name: 'status' },
    [['pending', 'pending'], ['approved', 'approved'], ['rejected', 'rejected'], ['', 'any']].map(([value, text]) =>
      h('option', { value, selected: value === status, text })));
  select.addEventListener('change', () => navigate('merge-reviews', [], { status: select.value || 'any' }));
  const shownStatus = status === 'any' ? '' : status;

  const decide = async (review, approve) => {
    const n = (review.candidates || []).length;
    const done = await confirmAction({
      title: `${approve ? 'Approve' : 'Reject'} merge review ${review.id}`,
      description: h('p', {
        text: approve
          ? `Merges the ${n} candidate profiles (as they are now, following any merged since) into the strongest one; the merge can be undone later from the profile (unmerge).`
          : `Keeps the ${n} candidate profiles apart; the review closes as rejected.`,
      }),
      confirmLabel: approve ? `Merge ${n} profiles` : 'Reject',
      destructive: !approve,
      perform: (reason, key) => mutate(`/v1/merge-reviews/${segment(review.id)}/${approve ? 'approve' : 'reject'}`, { reason, idempotencyKey: key }),
    });
    if (!done) return;
    showNotice(`Merge review ${review.id}: ${done.status}${done.merge_id ? ` (merge ${done.merge_id})` : ''}.`);
    pager.remember(done);
    pager.reload();
  };

  const pager = cursorPager({
    label: 'merge-reviews',
    fetchPage: (cursor) => api(`/v1/merge-reviews${query({ status: shownStatus, limit: pageSize, cursor })}`),
    render: (items) => table([
      { title: 'Review', cell: (r) => code(r.id) },
      { title: 'Status', cell: (r) => badge(r.status) },
      { title: 'Candidates', cell: (r) => h('div', { class: 'id-list' }, (r.candidates || []).map((id) => link(id, hrefOf('profiles', [id])))) },
      { title: 'Why', class: 'wide', cell: (r) => r.reason || '' },
      { title: 'Opened', cell: (r) => time(r.opened_at) },
      { title: 'Decided', cell: (r) => time(r.decided_at) },
      { title: '', class: 'actions', cell: (r) => (r.status === 'pending'
        ? h('div', { class: 'row-actions' },
          button('Approve…', () => decide(r, true), { name: 'approve' }),
          button('Reject…', () => decide(r, false), { kind: 'danger-quiet', name: 'reject' }))
        : null) },
    ], items, { empty: 'No merge reviews.' }),
  });
  root.append(
    viewHeader('Merge reviews', { subtitle: 'Profile merges too large to make without an operator.',
      actions: [button('Refresh', () => pager.reload(), { name: 'refresh' })] }),
    card(null, h('div', { class: 'inline-form' }, field('Status', select))),
    card(null, pager.element));
  pager.first();
}
