// The dead-letter office: letters filtered by target prefix, message type and status, a page at
// a time, with their count; retry or discard one; or retry / discard every letter matching the
// filter shown — after a dry run that says how many and shows a sample, and acting on exactly
// those (through_id + expected_count; a set that changed meanwhile is refused with 409
// filter_changed and nothing is done).
import { api, mutate, newIdempotencyKey, query, segment } from '../api.js';
import { confirmAction } from '../confirm.js';
import { badge, button, card, code, expandable, field, h, jsonBlock, table, time, viewHeader } from '../dom.js';
import { cursorPager, pageSize } from '../pager.js';
import { problemBox, showNotice } from '../problems.js';

const statuses = ['pending', 'retried', 'discarded'];

// The filter as the hash holds it; status defaults to pending (what an operator acts on).
function filterOf(q) {
  return {
    target: q.get('target') || '',
    message_type: q.get('message_type') || '',
    status: q.has('status') ? q.get('status') : 'pending',
  };
}

function describe(filter) {
  const parts = [
    filter.target ? `target starts with “${filter.target}”` : 'any target',
    filter.message_type ? `message type ${filter.message_type}` : 'any message type',
    filter.status ? `status ${filter.status}` : 'any status',
  ];
  return parts.join(', ');
}

// What a dry run's sample shows: enough to recognise the letters, narrow enough for a dialog.
function sampleTable(letters) {
  return table([
    { title: 'Id', class: 'num', cell: (l) => String(l.id) },
    { title: 'Target', cell: (l) => code(l.target) },
    { title: 'Message', cell: (l) => l.message_type },
    { title: 'Last failed', cell: (l) => time(l.last_failed_at) },
  ], letters, { empty: 'No sample.' });
}

function letterTable(letters, actions) {
  return table([
    { title: 'Id', class: 'num', cell: (l) => String(l.id) },
    { title: 'Target · message', cell: (l) => h('div', {}, code(l.target), h('div', { class: 'muted', text: l.message_type })) },
    { title: 'Reason · payload', class: 'wide', cell: (l) => h('div', {},
      h('span', { class: 'clip', title: l.reason, text: l.reason }),
      expandable('payload', () => jsonBlock(l.payload))) },
    { title: 'Tries', class: 'num', cell: (l) => String(l.attempts) },
    { title: 'Last failed', cell: (l) => time(l.last_failed_at) },
    { title: 'Status', cell: (l) => badge(l.status) },
    ...(actions ? [{ title: '', class: 'actions', cell: actions }] : []),
  ], letters, { empty: 'No dead letters match.', rowClass: () => 'letter-row' });
}

export default function deadLetters(root, { query: hashQuery, navigate }) {
  const applied = filterOf(hashQuery);
  const inputs = {
    target: h('input', { type: 'text', name: 'target', value: applied.target, placeholder: 'e.g. cart or subscription/price_sync', autocomplete: 'off' }),
    message_type: h('input', { type: 'text', name: 'message_type', value: applied.message_type, placeholder: 'e.g. AbandonCheckout', autocomplete: 'off' }),
    status: h('select', { name: 'status' },
      h('option', { value: '', selected: applied.status === '', text: 'any' }),
      statuses.map((s) => h('option', { value: s, selected: applied.status === s, text: s }))),
  };
  const count = h('span', { class: 'count', dataset: { count: '' } });
  const stale = h('span', { class: 'field-hint', hidden: true, text: 'The filter was edited: apply it before acting on the set.' });
  const bulkRetry = button('Retry all matching…', () => bulk('retry'), { name: 'bulk-retry' });
  const bulkDiscard = button('Discard all matching…', () => bulk('discard'), { kind: 'danger-quiet', name: 'bulk-discard' });
  const form = h('form', { class: 'inline-form', dataset: { form: 'dead-letter-filter' } },
    field('Target prefix', inputs.target), field('Message type', inputs.message_type), field('Status', inputs.status),
    h('button', { type: 'submit', class: ['button', 'button-primary'], text: 'Apply' }));
  const edited = () => Object.keys(inputs).some((name) => inputs[name].value.trim() !== applied[name]);
  // The node acts in bulk on pending letters only: with another status shown, the set acted on
  // would not be the set shown, so the bulk buttons wait for the pending filter.
  const pendingOnly = h('span', { class: 'field-hint', hidden: true, text: 'Bulk actions take pending letters: filter by status pending.' });
  const updateBulk = () => {
    const changed = edited();
    stale.hidden = !changed;
    pendingOnly.hidden = applied.status === 'pending';
    bulkRetry.disabled = changed || applied.status !== 'pending';
    bulkDiscard.disabled = bulkRetry.disabled;
  };
  form.addEventListener('input', updateBulk);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate('dead-letters', [], {
      target: inputs.target.value.trim(),
      message_type: inputs.message_type.value.trim(),
      status: inputs.status.value === 'pending' ? '' : inputs.status.value || 'any',
    });
  });
  // "any" status travels in the hash as status=any (absent means the default, pending).
  if (applied.status === 'any') applied.status = '';
  inputs.status.value = applied.status;
  updateBulk();

  const refreshCount = async () => {
    try {
      const answer = await api(`/admin/dead-letters/count${query(applied)}`);
      count.textContent = answer.count === 1 ? '1 letter matches' : `${answer.count} letters match`;
      count.dataset.count = String(answer.count);
    } catch (error) {
      count.textContent = `count unavailable (${error.code || error.message})`;
    }
  };

  const rowActions = (letter) => {
    if (letter.status !== 'pending') return null;
    return h('div', { class: 'row-actions' },
      button('Retry', () => retryOne(letter), { name: 'retry' }),
      button('Discard', () => discardOne(letter), { kind: 'danger-quiet', name: 'discard' }));
  };
  const pager = cursorPager({
    label: 'dead-letters',
    fetchPage: (cursor) => api(`/admin/dead-letters${query({ ...applied, limit: pageSize, cursor })}`),
    render: (letters) => letterTable(letters, rowActions),
  });
  const changed = () => {
    pager.reload();
    refreshCount();
  };

  async function retryOne(letter) {
    const done = await confirmAction({
      title: `Retry dead letter ${letter.id}`,
      description: h('p', {}, 'Delivers the ', code(letter.message_type), ' message to ', code(letter.target),
        ' again and marks the letter retried.'),
      confirmLabel: 'Retry',
      perform: (reason, key) => mutate(`/admin/dead-letters/${segment(letter.id)}/retry`, { reason, idempotencyKey: key }),
    });
    if (!done) return;
    showNotice(`Dead letter ${letter.id} retried${done.delivery ? `: delivery ${done.delivery}` : ''}.`);
    changed();
  }

  async function discardOne(letter) {
    const done = await confirmAction({
      title: `Discard dead letter ${letter.id}`,
      description: h('p', {}, 'Marks the ', code(letter.message_type), ' message to ', code(letter.target),
        ' discarded: it will not be delivered. The letter stays in the office as a record.'),
      confirmLabel: `Discard letter ${letter.id}`,
      destructive: true,
      perform: (reason, key) => mutate(`/admin/dead-letters/${segment(letter.id)}`, { method: 'DELETE', reason, idempotencyKey: key }),
    });
    if (!done) return;
    showNotice(`Dead letter ${letter.id} discarded.`);
    changed();
  }

  async function bulk(action) {
    // Exactly the filter applied (and shown), its empty fields left out: "any".
    const filter = Object.fromEntries(Object.entries(applied).filter(([, value]) => value !== ''));
    let dry;
    try {
      dry = await mutate('/admin/dead-letters/bulk', {
        body: { action, filter, dry_run: true },
        reason: `dry run of a bulk ${action} (changes nothing)`,
        idempotencyKey: newIdempotencyKey(),
      });
    } catch (error) {
      bulkSlot.replaceChildren(problemBox(error));
      return;
    }
    bulkSlot.replaceChildren();
    const verb = action === 'retry' ? 'Retry' : 'Discard';
    const n = dry.count;
    if (!n) {
      showNotice(`No letter matches ${describe(filter)}: nothing to ${action}.`);
      return;
    }
    const description = h('div', {},
      h('p', {}, `${verb} the `, h('strong', { text: `${n} letter${n === 1 ? '' : 's'}` }),
        ` matching ${describe(dry.filter || filter)}, with ids up to ${dry.through_id}. Letters parked after this dry run are not touched;`,
        ' if the matching set changes before you confirm, nothing is done.'),
      action === 'discard' ? h('p', { class: 'warning', text: 'Discarded letters are never delivered.' }) : null,
      n > (dry.sample || []).length ? h('p', { class: 'muted', text: `A sample of ${(dry.sample || []).length}:` }) : null);
    const done = await confirmAction({
      title: `${verb} ${n} dead letter${n === 1 ? '' : 's'}`,
      description,
      details: sampleTable(dry.sample || []),
      confirmLabel: `${verb} ${n} letter${n === 1 ? '' : 's'}`,
      destructive: true,
      perform: (reason, key) => mutate('/admin/dead-letters/bulk', {
        body: { action, filter, dry_run: false, through_id: dry.through_id, expected_count: n },
        reason,
        idempotencyKey: key,
      }),
    });
    if (!done) return;
    const outcomes = new Map();
    for (const r of done.results || []) outcomes.set(r.outcome, (outcomes.get(r.outcome) || 0) + 1);
    const summary = [...outcomes].map(([outcome, k]) => `${k} ${outcome}`).join(', ');
    showNotice(`${verb} of ${done.count} letter${done.count === 1 ? '' : 's'} done${summary ? `: ${summary}` : ''}.`);
    changed();
  }

  const bulkSlot = h('div', {});
  root.append(
    viewHeader('Dead letters', { subtitle: 'Messages that could not be delivered, parked for an operator.' }),
    card(null, form, h('div', { class: 'toolbar' }, count, stale, pendingOnly, h('span', { class: 'spacer' }), bulkRetry, bulkDiscard), bulkSlot),
    card(null, pager.element));
  pager.first();
  refreshCount();
}
