// Building the page from data without ever parsing data as HTML: every text goes through
// textContent (or a text node), so a product name or an event payload can never become markup.
// No inline style either: looks come from classes in console.css.

// h('a', {class: 'x', href: '#/y', on: {click: fn}}, 'text', child, [more]) -> element.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name === 'class') {
      element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (name === 'text') {
      element.textContent = String(value);
    } else if (name.startsWith('on') || name === 'style' || name === 'innerHTML') {
      throw new Error(`h(): ${name} is not allowed (CSP and XSS rules)`);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

// "2026-12-03 16:59:20" in the browser's time zone: sortable, and the same in every locale.
export function localTime(at) {
  const two = (n) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}

// Times as the operator reads them: local, to the second, with the ISO text (UTC) on hover.
export function time(iso) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return h('span', { text: iso });
  return h('time', { datetime: iso, title: `${iso} (UTC)`, text: localTime(at) });
}

export function money(m) {
  if (!m || typeof m !== 'object' || m.amount === undefined) return '—';
  const digits = ['JPY', 'KRW', 'VND', 'CLP', 'ISK'].includes(m.currency) ? 0 : 2;
  return `${(m.amount / 10 ** digits).toFixed(digits)} ${m.currency}`;
}

// A status as a coloured pill; the colour says good / waiting / bad / neutral.
const tones = {
  good: ['up', 'running', 'active', 'open', 'paid', 'delivered', 'completed', 'approved', 'accepted', 'converted', 'ok',
    'retried', 'merged', 'finished', 'closed', 'updated'],
  wait: ['pending', 'queued', 'draft', 'paused', 'leaving', 'checking_out', 'fulfilling', 'shipped', 'rolling_back',
    'pending_payment', 'half_open', 'restarting', 'acknowledged'],
  bad: ['down', 'failed', 'completed_with_errors', 'rejected', 'discarded', 'cancelled', 'refunded', 'expired',
    'abandoned', 'rolled_back', 'stopped', 'faulted', 'dead'],
};
export function badge(status) {
  const text = status === undefined || status === null ? '—' : String(status);
  let tone = 'neutral';
  for (const [name, members] of Object.entries(tones)) if (members.includes(text)) tone = name;
  return h('span', { class: ['badge', `badge-${tone}`], text });
}

// JSON, pretty-printed, as text.
export function jsonBlock(value) {
  return h('pre', { class: 'json', text: JSON.stringify(value, null, 2) });
}

// A <details> that builds its content only when first opened (large payloads cost nothing shut).
export function expandable(summary, build) {
  const details = h('details', { class: 'expandable' }, h('summary', {}, summary));
  details.addEventListener('toggle', () => {
    if (details.open && details.children.length === 1) append(details, [build()]);
  });
  return details;
}

// columns: [{title, cell: (row) => node|string, class?}]; rows: array. An empty list says so.
export function table(columns, rows, { empty = 'Nothing here.', rowClass } = {}) {
  if (!rows.length) return h('p', { class: 'empty', text: empty });
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'data' },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.class, text: c.title })))),
      h('tbody', {}, rows.map((row) =>
        h('tr', { class: rowClass ? rowClass(row) : undefined },
          columns.map((c) => h('td', { class: c.class }, c.cell(row))))))));
}

// The frame of a view: its title, an optional line under it, and actions on the right.
export function viewHeader(title, { subtitle, actions = [] } = {}) {
  return h('div', { class: 'view-header' },
    h('div', {}, h('h1', { text: title }), subtitle ? h('p', { class: 'subtitle', text: subtitle }) : null),
    h('div', { class: 'view-actions' }, actions));
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', { class: 'card-title', text: title }) : null, children);
}

export function button(text, onClick, { kind = 'default', disabled = false, title, name } = {}) {
  return h('button', {
    type: 'button',
    class: ['button', `button-${kind}`],
    disabled,
    title,
    dataset: name ? { action: name } : undefined,
    text,
    on: { click: onClick },
  });
}

// A labelled form control.
export function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label', text: label }), control,
    hint ? h('span', { class: 'field-hint', text: hint }) : null);
}

export function link(text, href) {
  return h('a', { href, text });
}

// An id shown in full, monospaced, selectable.
export function code(text) {
  return h('code', { class: 'id', text: String(text ?? '—') });
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', text });
}
