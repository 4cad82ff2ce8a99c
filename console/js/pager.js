// A list the node hands out in pages (limit + cursor, `{"items", "next_cursor"}`): one page on
// screen at a time, Newer/Older (or Previous/Next) by the cursors seen, never the whole set.
import { button, h, loading } from './dom.js';
import { problemBox } from './problems.js';

export const pageSize = 25;

// fetchPage(cursor) -> {items, next_cursor}; render(items) -> element.
export function cursorPager({ fetchPage, render, label = 'page' }) {
  const body = h('div', { class: 'pager-body' });
  const position = h('span', { class: 'pager-position' });
  const previous = button('‹ Previous', () => go(index - 1), { kind: 'quiet', name: 'previous-page' });
  const next = button('Next ›', () => go(index + 1), { kind: 'quiet', name: 'next-page' });
  const controls = h('div', { class: 'pager-controls' }, previous, position, next);
  const element = h('div', { class: 'pager', dataset: { pager: label } }, body, controls);
  let cursors = [''];  // the cursor of each page seen; '' is the first
  let index = 0;
  let nextCursor = null;
  let loaded = 0;
  // Entities this console just changed, as their change answered: a list read model catches up
  // a moment later, so a row it still shows at an older version is shown as answered instead.
  const fresher = new Map();
  const newest = (item) => {
    const known = item && fresher.get(item.id);
    return known && (known.version ?? 0) > (item.version ?? 0) ? known : item;
  };

  async function go(to) {
    if (to < 0 || to > cursors.length - 1 + (nextCursor ? 1 : 0)) return;
    if (to === cursors.length) cursors.push(nextCursor);
    index = to;
    const ticket = ++loaded;
    previous.disabled = true;
    next.disabled = true;
    body.replaceChildren(loading());
    try {
      const page = await fetchPage(cursors[index]);
      if (ticket !== loaded) return;
      nextCursor = page.next_cursor ?? null;
      cursors = cursors.slice(0, index + 1);
      body.replaceChildren(render((page.items || []).map(newest)));
      position.textContent = `Page ${index + 1}`;
      previous.disabled = index === 0;
      next.disabled = !nextCursor;
      controls.hidden = index === 0 && !nextCursor;  // one page: nothing to page through
    } catch (error) {
      if (ticket !== loaded) return;
      body.replaceChildren(problemBox(error));
      previous.disabled = index === 0;
    }
  }

  return {
    element,
    // The same page again (after an action changed it), or the first page.
    reload: () => go(index),
    // An entity as a change answered it ({id, version, …}): shown instead of an older row.
    remember: (item) => {
      if (item && item.id && item.version !== undefined) fresher.set(item.id, item);
    },
    first: () => {
      cursors = [''];
      nextCursor = null;
      return go(0);
    },
  };
}
