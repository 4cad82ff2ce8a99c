// Pricing campaigns: the list (by status, a page at a time), activate, pause, roll back (undo
// every price the campaign changed), and each campaign's audit of price changes.
import { api, mutate, query, segment } from '../api.js';
import { confirmAction } from '../confirm.js';
import { badge, button, card, code, field, h, link, money, table, time, viewHeader } from '../dom.js';
import { cursorPager, pageSize } from '../pager.js';
import { showNotice } from '../problems.js';

const statuses = ['draft', 'active', 'paused', 'rolling_back', 'rolled_back'];

export function ruleText(rule) {
  if (!rule) return '—';
  const bounds = [rule.min_price ? `min ${money(rule.min_price)}` : '', rule.max_price ? `max ${money(rule.max_price)}` : '',
    rule.round_to !== undefined ? `round to .${rule.round_to}` : ''].filter(Boolean).join(', ');
  let main = JSON.stringify(rule);
  if (rule.type === 'percent') main = `${rule.percent > 0 ? '+' : ''}${rule.percent}%`;
  if (rule.type === 'amount') main = `${rule.amount > 0 ? '+' : ''}${rule.amount} minor units`;
  if (rule.type === 'set') main = `set to ${money(rule.price)}`;
  return bounds ? `${main} (${bounds})` : main;
}

function triggerText(trigger) {
  if (!trigger) return '—';
  if (trigger.inventory_below !== undefined) return `inventory below ${trigger.inventory_below}`;
  if (trigger.inventory_above !== undefined) return `inventory above ${trigger.inventory_above}`;
  return JSON.stringify(trigger);
}

export function auditTable(items) {
  return table([
    { title: 'At', cell: (a) => time(a.at) },
    { title: 'SKU', cell: (a) => code(a.sku) },
    { title: 'Old price', class: 'num', cell: (a) => money(a.old_price) },
    { title: 'New price', class: 'num', cell: (a) => money(a.new_price) },
    { title: 'Reason', cell: (a) => badge(a.reason) },
    { title: 'Source', cell: (a) => code(a.source) },
  ], items, { empty: 'No price changes yet.' });
}

export default function campaigns(root, { query: hashQuery, navigate, hrefOf }) {
  const status = hashQuery.get('status') || '';
  const select = h('select', { name: 'status' }, h('option', { value: '', text: 'any' }),
    statuses.map((s) => h('option', { value: s, selected: s === status, text: s })));
  select.addEventListener('change', () => navigate('campaigns', [], { status: select.value }));
  const auditSlot = h('div', {});

  const act = async (campaign, what) => {
    const steps = {
      activate: { title: `Activate campaign ${campaign.name}`, label: 'Activate',
        text: 'The campaign starts acting: its trigger is evaluated on every inventory change of its SKUs and its rule changes their prices.',
        call: (reason, key) => mutate(`/v1/campaigns/${segment(campaign.id)}`, { method: 'PATCH', body: { status: 'active' }, reason, idempotencyKey: key }) },
      pause: { title: `Pause campaign ${campaign.name}`, label: 'Pause',
        text: 'The campaign stops acting; prices it already changed stay as they are.',
        call: (reason, key) => mutate(`/v1/campaigns/${segment(campaign.id)}`, { method: 'PATCH', body: { status: 'paused' }, reason, idempotencyKey: key }) },
      rollback: { title: `Roll back campaign ${campaign.name}`, label: 'Roll back prices', destructive: true,
        text: 'Restores every price this campaign changed to what it was before its first change; a price changed since by someone else is left alone (audited as rollback_skipped). The campaign ends as rolled_back and cannot act again.',
        call: (reason, key) => mutate(`/v1/campaigns/${segment(campaign.id)}/rollback`, { reason, idempotencyKey: key }) },
    }[what];
    const done = await confirmAction({
      title: steps.title, description: h('p', { text: steps.text }), confirmLabel: steps.label,
      destructive: Boolean(steps.destructive), perform: steps.call,
    });
    if (!done) return;
    showNotice(`Campaign ${campaign.name}: ${done.status}.`);
    pager.remember(done);
    pager.reload();
  };

  const showAudit = (campaign) => {
    const audit = cursorPager({
      label: 'campaign-audit',
      fetchPage: (cursor) => api(`/v1/campaigns/${segment(campaign.id)}/audit${query({ limit: pageSize, cursor })}`),
      render: auditTable,
    });
    auditSlot.replaceChildren(card(`Audit of ${campaign.name}`, h('p', { class: 'muted' }, code(campaign.id)), audit.element));
    audit.first();
    auditSlot.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };

  const pager = cursorPager({
    label: 'campaigns',
    fetchPage: (cursor) => api(`/v1/campaigns${query({ status, limit: pageSize, cursor })}`),
    render: (items) => table([
      { title: 'Name', cell: (c) => h('div', {}, h('div', { class: 'strong', text: c.name }), code(c.id)) },
      { title: 'Status', cell: (c) => badge(c.status) },
      { title: 'Applies to', cell: (c) => (c.category ? `category ${c.category}` : `${(c.skus || []).length} SKU(s): ${(c.skus || []).slice(0, 3).join(', ')}${(c.skus || []).length > 3 ? '…' : ''}`) },
      { title: 'Trigger', cell: (c) => triggerText(c.trigger) },
      { title: 'Rule', cell: (c) => ruleText(c.rule) },
      { title: 'Priority', class: 'num', cell: (c) => String(c.priority ?? 0) },
      { title: 'Fired', class: 'num', cell: (c) => String(c.trigger_count ?? 0) },
      { title: 'Last fired', cell: (c) => time(c.last_triggered_at) },
      { title: '', class: 'actions', cell: (c) => h('div', { class: 'row-actions' },
        c.status === 'draft' || c.status === 'paused' ? button('Activate', () => act(c, 'activate'), { name: 'activate' }) : null,
        c.status === 'active' ? button('Pause', () => act(c, 'pause'), { name: 'pause' }) : null,
        ['active', 'paused'].includes(c.status) ? button('Roll back…', () => act(c, 'rollback'), { kind: 'danger-quiet', name: 'rollback' }) : null,
        button('Audit', () => showAudit(c), { kind: 'quiet', name: 'audit' }),
        link('History', hrefOf('entity', ['campaigns', c.id]))) },
    ], items, { empty: 'No campaigns.' }),
  });
  root.append(
    viewHeader('Campaigns', { subtitle: 'Price rules that act when a SKU\'s inventory crosses a line.',
      actions: [button('Refresh', () => pager.reload(), { name: 'refresh' })] }),
    card(null, h('div', { class: 'inline-form' }, field('Status', select))),
    card(null, pager.element),
    auditSlot);
  pager.first();
}
