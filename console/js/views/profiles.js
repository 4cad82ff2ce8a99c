// Customer profiles: found by id or by one identifier (email, phone, …), never listed. Shows the
// customer 360, its merge history (with undo), and links to its customer events.
import { api, mutate, query, segment } from '../api.js';
import { confirmAction } from '../confirm.js';
import { badge, button, card, code, field, h, link, loading, money, table, time, viewHeader } from '../dom.js';
import { problemBox, showNotice } from '../problems.js';

const identifierTypes = ['email', 'phone', 'whatsapp', 'loyalty_id', 'device_id', 'cookie_id', 'qr_id'];

function fact(label, value) {
  return h('div', { class: 'fact' }, h('span', { class: 'fact-label', text: label }), h('span', { class: 'fact-value' }, value));
}

function merges(profile, reload) {
  const slot = h('div', {}, loading());
  const undo = async (merge) => {
    const done = await confirmAction({
      title: `Undo merge ${merge.merge_id}`,
      description: h('p', { text: 'The profiles merged into this one come back as they were, with their identifiers and events.' }),
      confirmLabel: 'Undo the merge',
      destructive: true,
      perform: (reason, key) => mutate(`/v1/profiles/${segment(profile.id)}/unmerge`, { body: { merge_id: merge.merge_id }, reason, idempotencyKey: key }),
    });
    if (!done) return;
    showNotice(`Merge ${merge.merge_id} undone.`);
    reload();
  };
  api(`/v1/profiles/${segment(profile.id)}/merges`).then((answer) => {
    const items = Array.isArray(answer) ? answer : answer.items || [];
    slot.replaceChildren(table([
      { title: 'Merge', cell: (m) => code(m.merge_id) },
      { title: 'Role', cell: (m) => m.role },
      { title: 'At', cell: (m) => time(m.at) },
      { title: 'Parts', cell: (m) => (m.absorbed || []).map((p) => p.profile_id).join(', ') || (m.base ? `into ${m.base}` : '') },
      { title: 'Undone', cell: (m) => (m.undone ? time(m.undone_at) : 'no') },
      { title: '', class: 'actions', cell: (m) => (m.role === 'base' && !m.undone ? button('Undo…', () => undo(m), { kind: 'danger-quiet', name: 'unmerge' }) : null) },
    ], items, { empty: 'No merges.' }));
  }, (error) => slot.replaceChildren(problemBox(error)));
  return slot;
}

function profileCards(profile, hrefOf, reload) {
  const identifiers = Object.entries(profile.identifiers || {}).flatMap(([type, values]) => values.map((value) => ({ type, value })));
  return [
    card('Customer 360',
      h('div', { class: 'facts' },
        fact('id', code(profile.id)),
        fact('status', badge(profile.status)),
        profile.merged_into ? fact('merged into', link(profile.merged_into, hrefOf('profiles', [profile.merged_into]))) : null,
        fact('strength', String(profile.strength ?? '—')),
        fact('lifetime value', money(profile.lifetime_value)),
        fact('orders', String(profile.total_orders ?? 0)),
        fact('first seen', time(profile.first_seen)),
        fact('last seen', time(profile.last_seen)),
        fact('version', String(profile.version ?? '—'))),
      h('p', {}, link('All customer events', hrefOf('entity', ['profiles', profile.id])))),
    h('div', { class: 'entity-grid' },
      card('Identifiers', table([
        { title: 'Type', cell: (i) => i.type },
        { title: 'Value', cell: (i) => code(i.value) },
      ], identifiers, { empty: 'No identifiers.' })),
      card('Recent events', table([
        { title: 'Occurred', cell: (e) => time(e.occurred_at) },
        { title: 'Source', cell: (e) => e.source },
        { title: 'Type', cell: (e) => h('span', { class: 'event-type', text: e.type }) },
        { title: 'Event', cell: (e) => code(e.event_id) },
      ], profile.recent_events || [], { empty: 'No events.' }))),
    (profile.merged_from || []).length
      ? card('Merged from', h('div', { class: 'id-list' }, profile.merged_from.map((id) => link(id, hrefOf('profiles', [id])))))
      : null,
    card('Merges', merges(profile, reload)),
  ];
}

export default function profiles(root, { params, query: hashQuery, navigate, hrefOf }) {
  const [id] = params;
  const lookupType = identifierTypes.find((t) => hashQuery.has(t));
  const byId = h('input', { type: 'text', name: 'profile', value: id || '', placeholder: 'prf_…', autocomplete: 'off' });
  const idForm = h('form', { class: 'inline-form', dataset: { form: 'profile-id' } }, field('Profile id', byId),
    h('button', { type: 'submit', class: ['button', 'button-primary'], text: 'Open' }));
  idForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (byId.value.trim()) navigate('profiles', [byId.value.trim()]);
  });
  const type = h('select', { name: 'type' }, identifierTypes.map((t) => h('option', { value: t, selected: t === lookupType, text: t })));
  const value = h('input', { type: 'text', name: 'value', value: lookupType ? hashQuery.get(lookupType) : '', placeholder: 'ada@example.com', autocomplete: 'off' });
  const findForm = h('form', { class: 'inline-form', dataset: { form: 'profile-find' } }, field('Identifier', type), field('Value', value),
    h('button', { type: 'submit', class: ['button', 'button-primary'], text: 'Find' }));
  findForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (value.value.trim()) navigate('profiles', [], { [type.value]: value.value.trim() });
  });
  const slot = h('div', {});
  root.append(
    viewHeader('Profiles', { subtitle: 'One customer at a time: by profile id, or by an identifier the profile holds.' }),
    card(null, h('div', { class: 'form-row' }, idForm, findForm)),
    slot);

  const load = async () => {
    if (!id && !lookupType) return;
    slot.replaceChildren(loading());
    try {
      const path = id ? `/v1/profiles/${segment(id)}` : `/v1/profiles${query({ [lookupType]: hashQuery.get(lookupType) })}`;
      const profile = await api(path);
      slot.replaceChildren(...profileCards(profile, hrefOf, load).filter(Boolean));
    } catch (error) {
      slot.replaceChildren(problemBox(error));
    }
  };
  load();
}
