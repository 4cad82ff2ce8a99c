// Every view of the console, in the order of the navigation; `group` is its heading there.
//
// Adding a view is one module in this folder and one line here. The module's default export is
// `render(root, context)`: it fills `root` (a fresh element, dropped when the operator leaves,
// so an answer that comes late lands nowhere) and may return a function that stops what it
// started (timers, streams). context = {params, query, navigate, hrefOf}: the hash route
// #/<path>/<params…>?<query> split up, and the router's helpers. Read with api() and change
// things only through confirmAction() + mutate() (a reason, an Idempotency-Key, the audit log);
// build the DOM with h() (text only, never HTML: the CSP and the data both demand it); page
// lists with cursorPager().
export const views = [
  { path: 'overview', title: 'Overview', group: 'Observe', load: () => import('./overview.js') },
  { path: 'actors', title: 'Supervision tree', group: 'Observe', load: () => import('./actors.js') },
  { path: 'cluster', title: 'Cluster', group: 'Observe', load: () => import('./cluster.js') },
  { path: 'live', title: 'Live events', group: 'Observe', load: () => import('./live.js') },
  { path: 'entity', title: 'Entities', group: 'Investigate', load: () => import('./entity.js') },
  { path: 'audit', title: 'Audit log', group: 'Investigate', load: () => import('./audit.js') },
  { path: 'dead-letters', title: 'Dead letters', group: 'Operate', load: () => import('./dead-letters.js') },
  { path: 'alerts', title: 'Alerts', group: 'Operate', load: () => import('./alerts.js') },
  { path: 'campaigns', title: 'Campaigns', group: 'Pricing', load: () => import('./campaigns.js') },
  { path: 'pricing-jobs', title: 'Pricing jobs', group: 'Pricing', load: () => import('./pricing-jobs.js') },
  { path: 'profiles', title: 'Profiles', group: 'Customers', load: () => import('./profiles.js') },
  { path: 'merge-reviews', title: 'Merge reviews', group: 'Customers', load: () => import('./merge-reviews.js') },
];
