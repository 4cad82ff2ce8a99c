// The journal as it happens (GET /admin/events/live, server-sent events read with fetch so that
// the token goes in a header): filtered by event or stream types and one stream id, newest on
// top, at most 200 rows kept. Pause stops the stream; resume follows again from now.
import { query } from '../api.js';
import { button, card, code, expandable, field, h, jsonBlock, link, time, viewHeader } from '../dom.js';
import { kindOfStreamType } from '../entity-kinds.js';
import { problemBox } from '../problems.js';
import { followEventStream } from '../sse.js';

const keep = 200;

export default function live(root, { query: hashQuery, navigate, hrefOf }) {
  const filter = { types: hashQuery.get('types') || '', stream: hashQuery.get('stream') || '' };
  const types = h('input', { type: 'text', name: 'types', value: filter.types, placeholder: 'e.g. cart or ItemAdded,OrderPaid', autocomplete: 'off' });
  const stream = h('input', { type: 'text', name: 'stream', value: filter.stream, placeholder: 'one stream id (optional)', autocomplete: 'off' });
  const form = h('form', { class: 'inline-form', dataset: { form: 'live-filter' } },
    field('Types', types),
    field('Stream id', stream),
    h('button', { type: 'submit', class: ['button', 'button-primary'], text: 'Apply' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate('live', [], { types: types.value.replace(/\s+/g, ''), stream: stream.value.trim() });
  });

  const state = h('span', { class: ['live-state', 'live-connecting'], text: 'connecting' });
  const counter = h('span', { class: 'muted', text: '0 events' });
  const pauseButton = button('Pause', () => (controller ? pause() : resume()), { name: 'pause' });
  const problemSlot = h('div', {});
  const rows = h('tbody', {});
  const tableElement = h('div', { class: 'table-wrap' }, h('table', { class: ['data', 'live-table'] },
    h('thead', {}, h('tr', {}, ['Position', 'At', 'Type', 'Stream', 'Version', 'Data'].map((t) => h('th', { text: t })))),
    rows));
  root.append(
    viewHeader('Live events', { subtitle: `The journal as it is written, newest first; the last ${keep} kept on screen.` }),
    card(null, form,
      h('p', { class: 'field-hint', text: 'Types: event types (ProductCreated) or stream types (cart), comma-separated; empty for all.' }),
      h('div', { class: 'toolbar' }, state, counter, h('span', { class: 'spacer' }), pauseButton), problemSlot),
    card(null, tableElement));

  let controller = null;
  let received = 0;
  let queued = [];
  let frame = 0;

  const setState = (name, text = name) => {
    state.className = `live-state live-${name}`;
    state.textContent = text;
  };

  const row = (e) => {
    const kind = kindOfStreamType(e.stream_type);
    return h('tr', { class: 'live-row', dataset: { type: e.type, stream: e.stream_id } },
      h('td', { class: 'num', text: String(e.position ?? '') }),
      h('td', {}, time(e.at)),
      h('td', {}, h('span', { class: 'event-type', text: e.type })),
      h('td', {}, kind ? link(`${e.stream_type}/${e.stream_id}`, hrefOf('entity', [kind.collection, e.stream_id])) : code(`${e.stream_type}/${e.stream_id}`)),
      h('td', { class: 'num', text: String(e.version ?? '') }),
      h('td', { class: 'wide' }, expandable('data', () => jsonBlock(e.data))));
  };

  // Rows are added once per frame, however fast events come, and only the newest `keep`.
  const flush = () => {
    frame = 0;
    const batch = queued.slice(-keep);
    queued = [];
    rows.prepend(...batch.reverse().map(row));
    while (rows.children.length > keep) rows.lastElementChild.remove();
    counter.textContent = `${received} event${received === 1 ? '' : 's'}`;
  };

  const marker = (text) => rows.prepend(h('tr', { class: 'live-marker' }, h('td', { colspan: 6, text })));

  function resume() {
    controller = new AbortController();
    pauseButton.textContent = 'Pause';
    problemSlot.replaceChildren();
    const mine = controller;
    followEventStream(`/admin/events/live${query(filter)}`, {
      signal: mine.signal,
      onEvent: (message) => {
        let parsed;
        try {
          parsed = JSON.parse(message.data);
        } catch {
          return;
        }
        received += 1;
        queued.push(parsed);
        if (!frame) frame = requestAnimationFrame(flush);
      },
      onState: (name, error) => {
        if (name === 'open') setState('open', 'live');
        else if (name === 'reconnecting') setState('reconnecting', error ? `reconnecting (${error.code || error.message})` : 'reconnecting');
        else setState(name);
      },
    }).catch((error) => {
      if (mine !== controller) return;
      controller = null;
      setState('stopped', 'stopped');
      pauseButton.textContent = 'Resume';
      problemSlot.replaceChildren(problemBox(error));
    });
  }

  function pause() {
    controller.abort();
    controller = null;
    setState('paused', 'paused');
    pauseButton.textContent = 'Resume';
    marker(`Paused at ${new Date().toLocaleTimeString(undefined, { hour12: false })}: events written while paused are not shown.`);
  }

  resume();
  return () => {
    if (controller) controller.abort();
    controller = null;
    if (frame) cancelAnimationFrame(frame);
  };
}
