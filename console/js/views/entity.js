// One entity by kind and id: its state as the node answers it, and its event history from the
// journal, a page at a time, newest first (each event's data behind a <details>). The history is
// read as GET /v1/{collection}/{id}/events?from=V&limit=N: the state's "version" says where the
// newest page starts; older pages step back N versions.
import { api, query, segment } from '../api.js';
import { badge, button, card, code, expandable, field, h, jsonBlock, loading, table, time, viewHeader } from '../dom.js';
import { kindOfCollection, kinds } from '../entity-kinds.js';
import { cursorPager } from '../pager.js';
import { problemBox } from '../problems.js';

const perPage = 20;

function picker(kind, id, navigate) {
  const select = h('select', { name: 'kind' },
    kinds.map((k) => h('option', { value: k.collection, selected: k.collection === kind?.collection, text: k.label })));
  const input = h('input', { type: 'text', name: 'id', value: id || '', placeholder: 'id (crt_…, ord_…, a SKU…)', autocomplete: 'off', spellcheck: 'false', required: true });
  const form = h('form', { class: 'inline-form', dataset: { form: 'entity' } },
    field('Kind', select), field('Id', input),
    h('button', { type: 'submit', class: ['button', 'button-primary'], text: 'Open' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim()) navigate('entity', [select.value, input.value.trim()]);
  });
  return form;
}

function eventRows(events) {
  return table([
    { title: 'Version', class: 'num', cell: (e) => String(e.version) },
    { title: 'Type', cell: (e) => h('span', { class: 'event-type', text: e.type }) },
    { title: 'At', cell: (e) => time(e.at) },
    { title: 'Data', class: 'wide', cell: (e) => expandable(summaryOf(e.data), () => jsonBlock(e.data)) },
  ], events, { empty: 'No events.' });
}

// A line saying what is inside, for the closed <details>.
function summaryOf(data) {
  if (data === null || typeof data !== 'object') return String(data);
  const keys = Object.keys(data);
  return keys.length ? `{ ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''} }` : '{}';
}

// The journal's history, newest first, in pages of `perPage` versions: [from, to] shown.
function journalHistory(kind, id, newest) {
  const body = h('div', {});
  const position = h('span', { class: 'pager-position' });
  const newer = button('‹ Newer', () => show(Math.min(newest, to + perPage)), { kind: 'quiet', name: 'newer' });
  const older = button('Older ›', () => show(from - 1), { kind: 'quiet', name: 'older' });
  const element = h('div', { class: 'pager', dataset: { history: 'journal' } },
    h('p', { class: 'muted', text: 'Newest first.' }), body, h('div', { class: 'pager-controls' }, newer, position, older));
  let from = 1;
  let to = newest;
  let ticket = 0;

  async function show(last) {
    to = Math.max(1, last);
    from = Math.max(1, to - perPage + 1);
    const mine = ++ticket;
    body.replaceChildren(loading());
    try {
      const events = await api(`/v1/${segment(kind.collection)}/${segment(id)}/events${query({ from, limit: to - from + 1 })}`);
      if (mine !== ticket) return;
      // Only the versions of this page, newest first (whatever the node sent beyond them).
      const page = (Array.isArray(events) ? events : []).filter((e) => e.version >= from && e.version <= to).reverse();
      body.replaceChildren(eventRows(page));
      position.textContent = `versions ${from}–${to} of ${newest}`;
      newer.disabled = to >= newest;
      older.disabled = from <= 1;
    } catch (error) {
      if (mine === ticket) body.replaceChildren(problemBox(error));
    }
  }
  show(newest);
  return element;
}

// Oldest first, for kinds whose state (and so newest version) the node does not answer.
function journalFromStart(kind, id) {
  const pager = cursorPager({
    label: 'journal-from-start',
    fetchPage: async (cursor) => {
      const from = Number(cursor || 1);
      const events = await api(`/v1/${segment(kind.collection)}/${segment(id)}/events${query({ from, limit: perPage })}`);
      const page = (Array.isArray(events) ? events : []).filter((e) => e.version >= from && e.version < from + perPage);
      return { items: page, next_cursor: page.length === perPage ? String(from + perPage) : null };
    },
    render: eventRows,
  });
  pager.first();
  return h('div', {}, h('p', { class: 'muted', text: 'Oldest first.' }), pager.element);
}

function customerEvents(id) {
  const pager = cursorPager({
    label: 'customer-events',
    fetchPage: (cursor) => api(`/v1/profiles/${segment(id)}/events${query({ limit: perPage, cursor })}`),
    render: (items) => table([
      { title: 'Event', cell: (e) => code(e.event_id) },
      { title: 'Source', cell: (e) => e.source },
      { title: 'Type', cell: (e) => h('span', { class: 'event-type', text: e.type }) },
      { title: 'Occurred', cell: (e) => time(e.occurred_at) },
      { title: 'Payload', class: 'wide', cell: (e) => expandable(summaryOf(e.payload), () => jsonBlock(e.payload)) },
    ], items, { empty: 'No customer events.' }),
  });
  pager.first();
  return pager.element;
}

function stateSummary(state) {
  const facts = [];
  for (const name of ['status', 'version', 'updated_at', 'created_at']) {
    if (state[name] === undefined) continue;
    const value = name === 'status' ? badge(state[name]) : name.endsWith('_at') ? time(state[name]) : String(state[name]);
    facts.push(h('div', { class: 'fact' }, h('span', { class: 'fact-label', text: name }), h('span', { class: 'fact-value' }, value)));
  }
  return h('div', { class: 'facts' }, facts);
}

export default async function entity(root, { params, navigate }) {
  const [collection, id] = params;
  const kind = kindOfCollection(collection) || kinds[0];
  root.append(viewHeader('Entities', { subtitle: 'Open any entity by kind and id: its state now and its history as events.' }),
    card(null, picker(kind, id, navigate)));
  if (!collection || !id) return;
  if (!kindOfCollection(collection)) {
    root.append(problemBox(new Error(`no kind with collection ${collection}`)));
    return;
  }
  const stateSlot = h('div', {}, loading());
  const historySlot = h('div', {});
  root.append(
    h('div', { class: 'entity-title' }, h('span', { class: 'entity-kind', text: kind.label }), code(id)),
    h('div', { class: 'entity-grid' },
      card('State', stateSlot),
      card(kind.customerEvents ? 'Customer events' : 'History', historySlot)));

  if (!kind.state) {
    stateSlot.replaceChildren(h('p', { class: 'muted', text: 'This kind has no state route; its history is shown oldest first.' }));
    historySlot.replaceChildren(journalFromStart(kind, id));
    return;
  }
  try {
    const state = await api(kind.state(id));
    stateSlot.replaceChildren(stateSummary(state), jsonBlock(state));
    if (kind.customerEvents) historySlot.replaceChildren(customerEvents(id));
    else if (Number.isInteger(state.version) && state.version > 0) historySlot.replaceChildren(journalHistory(kind, id, state.version));
    else historySlot.replaceChildren(journalFromStart(kind, id));
  } catch (error) {
    stateSlot.replaceChildren(problemBox(error));
    if (error.status === 404 && !kind.customerEvents) historySlot.replaceChildren(journalFromStart(kind, id));
  }
}
