// Problems (application/problem+json) as the operator reads them: the status and the stable
// code first (what to search for, what to tell a colleague), then the node's words.
import { ApiError } from './api.js';
import { button, h } from './dom.js';

// The element for one error: an ApiError from the node, or anything else (a network failure).
export function problemBox(error, { onDismiss } = {}) {
  const box = h('div', { class: 'problem', role: 'alert' });
  if (error instanceof ApiError) {
    box.append(
      h('div', { class: 'problem-head' },
        h('span', { class: 'problem-status', text: String(error.status) }),
        h('code', { class: 'problem-code', text: error.code }),
        h('span', { class: 'problem-title', text: error.title })),
      error.detail ? h('p', { class: 'problem-detail', text: error.detail }) : null,
    );
    if (error.code === 'filter_changed') {
      box.append(h('p', { class: 'problem-hint',
        text: 'Nothing was done. Close this and start the bulk action again: its dry run shows what matches now.' }));
    }
  } else {
    box.append(h('div', { class: 'problem-head' },
      h('span', { class: 'problem-status', text: '—' }),
      h('code', { class: 'problem-code', text: error?.name === 'TypeError' ? 'network_error' : 'error' }),
      h('span', { class: 'problem-title', text: String(error?.message ?? error) })));
  }
  if (onDismiss) box.append(button('Dismiss', onDismiss, { kind: 'quiet' }));
  return box;
}

// The page's banner, above the view.
const banner = () => document.getElementById('banner');

export function showProblem(error) {
  const element = banner();
  element.replaceChildren(problemBox(error, { onDismiss: clearProblem }));
  element.hidden = false;
}

export function showNotice(text) {
  const element = banner();
  element.replaceChildren(h('div', { class: 'notice' }, h('span', { text }), button('Dismiss', clearProblem, { kind: 'quiet' })));
  element.hidden = false;
}

export function clearProblem() {
  const element = banner();
  element.replaceChildren();
  element.hidden = true;
}
