// Sign-in: the operator gives the admin token once; it is checked with GET /admin/actors before
// being kept (sessionStorage, this tab only). A refused token stays out and says so.
import { api, ApiError } from '../api.js';
import { h } from '../dom.js';
import { problemBox } from '../problems.js';
import { keepToken } from '../session.js';

export default function signIn(root, { message, onSignedIn }) {
  const input = h('input', {
    type: 'password', name: 'token', id: 'token', autocomplete: 'off', spellcheck: 'false', required: true,
    placeholder: 'admin.token of this node',
  });
  const feedback = h('div', { class: 'sign-in-feedback', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: ['button', 'button-primary'], text: 'Sign in' });
  const form = h('form', { class: 'sign-in-form', novalidate: true },
    h('label', { class: 'field', for: 'token' }, h('span', { class: 'field-label', text: 'Admin token' }), input),
    feedback, submit);
  if (message) feedback.replaceChildren(h('p', { class: 'sign-in-message', text: message }));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();  // nothing is ever submitted by the browser (CSP form-action 'none')
    const token = input.value.trim();
    if (!token) {
      feedback.replaceChildren(h('p', { class: 'field-error', text: 'Enter the admin token.' }));
      return;
    }
    submit.disabled = true;
    feedback.replaceChildren(h('p', { class: 'loading', text: 'Checking the token…' }));
    try {
      await api('/admin/actors', { tokenOverride: token });
      keepToken(token);
      input.value = '';
      onSignedIn();
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        feedback.replaceChildren(h('p', { class: ['field-error', 'wrong-token'], text: `Wrong token: the node refused it (${error.status} ${error.code}).` }));
        input.select();
      } else {
        feedback.replaceChildren(problemBox(error));
      }
    } finally {
      submit.disabled = false;
    }
  });

  root.append(h('div', { class: 'sign-in' },
    h('div', { class: 'sign-in-card' },
      h('h1', { text: 'Sign in' }),
      h('p', { class: 'subtitle', text: 'The console acts with the node\'s admin token. It is kept for this browser tab only and sent with each call, never in a URL.' }),
      form)));
  input.focus();
}
