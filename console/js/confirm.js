// The one way the console changes anything: a dialog that says what will happen, asks for the
// operator's reason (required; recorded in the node's audit log as X-Audit-Reason) and acts only
// on an explicit click. The action's Idempotency-Key is made when the dialog opens and sent
// again if the operator tries again after a failure, so that the node does the action once.
import { newIdempotencyKey } from './api.js';
import { button, h } from './dom.js';
import { problemBox } from './problems.js';

// Problem codes after which trying the same request again cannot help (the operator must look again).
const final = new Set(['filter_changed', 'not_found', 'invalid_transition', 'validation_failed', 'not_redeliverable', 'too_many_letters']);

// options:
//   title        'Retry dead letter 12'
//   description  what will happen, in words (string or element)
//   details      optional element (e.g. a dry run's sample)
//   confirmLabel the button's text ('Retry', 'Discard 40 letters')
//   destructive  true for actions that remove, undo or act in bulk: a red button
//   perform      async (reason, idempotencyKey) => result
// Resolves with perform's result, or null when the operator cancels.
export function confirmAction({ title, description, details, confirmLabel = 'Confirm', destructive = false, perform }) {
  return new Promise((resolve) => {
    const idempotencyKey = newIdempotencyKey();
    const reason = h('textarea', {
      name: 'reason', rows: 3, maxlength: 500, required: true, autocomplete: 'off',
      placeholder: 'Why? (recorded in the audit log with your action)',
    });
    const reasonError = h('p', { class: 'field-error', hidden: true, text: 'A reason is required.' });
    const problemSlot = h('div', { class: 'dialog-problem' });
    let settled = false;

    const dialog = h('dialog', { class: ['dialog', destructive ? 'dialog-destructive' : null], 'aria-labelledby': 'dialog-title' });
    const finish = (result) => {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      resolve(result);
    };
    const cancel = button('Cancel', () => finish(null), { kind: 'quiet', name: 'cancel' });
    const confirm = button(confirmLabel, async () => {
      if (!reason.value.trim()) {
        reasonError.hidden = false;
        reason.focus();
        return;
      }
      reasonError.hidden = true;
      problemSlot.replaceChildren();
      confirm.disabled = true;
      cancel.disabled = true;
      reason.readOnly = true;
      confirm.textContent = 'Working…';
      try {
        const result = await perform(reason.value, idempotencyKey);
        finish(result ?? true);
      } catch (error) {
        problemSlot.replaceChildren(problemBox(error));
        cancel.disabled = false;
        reason.readOnly = false;
        if (final.has(error?.code)) {
          confirm.textContent = confirmLabel;
          confirm.disabled = true;
        } else {
          confirm.textContent = 'Try again';  // same Idempotency-Key: a POST is done at most once
          confirm.disabled = false;
        }
      }
    }, { kind: destructive ? 'danger' : 'primary', name: 'confirm' });

    dialog.append(
      h('h2', { id: 'dialog-title', class: 'dialog-title', text: title }),
      h('div', { class: 'dialog-description' }, description),
      details ? h('div', { class: 'dialog-details' }, details) : null,
      h('label', { class: 'field' }, h('span', { class: 'field-label', text: 'Reason' }), reason),
      reasonError,
      problemSlot,
      h('div', { class: 'dialog-buttons' }, cancel, confirm),
    );
    dialog.addEventListener('cancel', (event) => {  // Escape
      event.preventDefault();
      if (!cancel.disabled) finish(null);
    });
    document.body.append(dialog);
    dialog.showModal();
    reason.focus();
  });
}
