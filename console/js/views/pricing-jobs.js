// Pricing jobs: the list a page at a time (a summary of each job), and one job by id with its progress, its results
// (shown a page at a time here: a job over a category can hold many SKUs) and its audit.
import { api, query, segment } from '../api.js';
import { badge, button, card, code, field, h, link, loading, money, table, time, viewHeader } from '../dom.js';
import { cursorPager, pageSize } from '../pager.js';
import { problemBox } from '../problems.js';
import { auditTable, ruleText } from './campaigns.js';

function progress(job) {
  const { done = 0, total = 0 } = job.progress || {};
  const bar = h('progress', { max: Math.max(total, 1), value: done });
  return h('span', { class: 'progress' }, bar, h('span', { text: `${done} / ${total}` }));
}

// The job's results array, paged in the browser (the node answers it whole).
function resultsPager(results) {
  return cursorPager({
    label: 'job-results',
    fetchPage: async (cursor) => {
      const from = Number(cursor || 0);
      const next = from + pageSize < results.length ? String(from + pageSize) : null;
      return { items: results.slice(from, from + pageSize), next_cursor: next };
    },
    render: (items) => table([
      { title: 'SKU', cell: (r) => code(r.sku) },
      { title: 'Old price', class: 'num', cell: (r) => money(r.old_price) },
      { title: 'New price', class: 'num', cell: (r) => money(r.new_price) },
      { title: 'Status', cell: (r) => badge(r.status) },
      { title: 'Reason', cell: (r) => r.reason || '' },
    ], items, { empty: 'No results yet.' }),
  });
}

async function showJob(slot, id, hrefOf) {
  slot.replaceChildren(loading());
  try {
    const job = await api(`/v1/pricing-jobs/${segment(id)}`);
    const results = resultsPager(job.results || []);
    const audit = cursorPager({
      label: 'job-audit',
      fetchPage: (cursor) => api(`/v1/pricing-jobs/${segment(id)}/audit${query({ limit: pageSize, cursor })}`),
      render: auditTable,
    });
    slot.replaceChildren(
      card(`Job ${job.name || ''}`,
        h('div', { class: 'facts' },
          h('div', { class: 'fact' }, h('span', { class: 'fact-label', text: 'id' }), code(job.id)),
          h('div', { class: 'fact' }, h('span', { class: 'fact-label', text: 'status' }), badge(job.status)),
          h('div', { class: 'fact' }, h('span', { class: 'fact-label', text: 'progress' }), progress(job)),
          h('div', { class: 'fact' }, h('span', { class: 'fact-label', text: 'rule' }), h('span', { text: ruleText(job.rule) })),
          h('div', { class: 'fact' }, h('span', { class: 'fact-label', text: 'dry run' }), h('span', { text: job.dry_run ? 'yes' : 'no' })),
          h('div', { class: 'fact' }, h('span', { class: 'fact-label', text: 'created' }), time(job.created_at)),
          h('div', { class: 'fact' }, h('span', { class: 'fact-label', text: 'finished' }), time(job.finished_at))),
        h('p', {}, link('Event history', hrefOf('entity', ['pricing-jobs', job.id])))),
      card('Results', results.element),
      card('Audit', audit.element));
    results.first();
    audit.first();
  } catch (error) {
    slot.replaceChildren(problemBox(error));
  }
}

export default function pricingJobs(root, { params, navigate, hrefOf }) {
  const [id] = params;
  const input = h('input', { type: 'text', name: 'job', value: id || '', placeholder: 'job id', autocomplete: 'off' });
  const form = h('form', { class: 'inline-form', dataset: { form: 'job' } }, field('Job id', input),
    h('button', { type: 'submit', class: ['button', 'button-primary'], text: 'Open' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim()) navigate('pricing-jobs', [input.value.trim()]);
  });
  const jobSlot = h('div', {});
  const pager = cursorPager({
    label: 'pricing-jobs',
    fetchPage: (cursor) => api(`/v1/pricing-jobs${query({ limit: pageSize, cursor })}`),
    render: (items) => table([
      { title: 'Name', cell: (j) => h('div', {}, h('div', { class: 'strong', text: j.name || '' }), link(j.id, hrefOf('pricing-jobs', [j.id]))) },
      { title: 'Status', cell: (j) => badge(j.status) },
      { title: 'SKUs', class: 'num', cell: (j) => String(j.skus ?? '—') },
      { title: 'Batches done', cell: (j) => progress({ progress: { done: j.batches_done ?? 0, total: j.batches ?? 0 } }) },
      { title: 'Dry run', cell: (j) => (j.dry_run ? 'yes' : 'no') },
      { title: 'Created', cell: (j) => time(j.created_at) },
    ], items, { empty: 'No pricing jobs.' }),
  });
  root.append(
    viewHeader('Pricing jobs', { subtitle: 'Price changes run in batches over a set of SKUs.',
      actions: [button('Refresh', () => pager.reload(), { name: 'refresh' })] }),
    card(null, form), jobSlot, card('All jobs', pager.element));
  pager.first();
  if (id) showJob(jobSlot, id, hrefOf);
}
