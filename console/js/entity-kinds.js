// The kinds of entity the console can open by id: their collection (the path segment of the
// journal's /v1/{collection}/{id}/events), their stream type (in live events), and where their
// state is read. A kind without a state route shows its history from the oldest event.
import { segment } from './api.js';

export const kinds = [
  { collection: 'carts', label: 'Cart', streamType: 'cart', state: (id) => `/v1/carts/${segment(id)}` },
  { collection: 'orders', label: 'Order', streamType: 'order', state: (id) => `/v1/orders/${segment(id)}` },
  { collection: 'products', label: 'Product (by SKU)', streamType: 'product', state: (id) => `/v1/products/${segment(id)}` },
  { collection: 'campaigns', label: 'Campaign', streamType: 'campaign', state: (id) => `/v1/campaigns/${segment(id)}` },
  { collection: 'pricing-jobs', label: 'Pricing job', streamType: 'pricing_job', state: (id) => `/v1/pricing-jobs/${segment(id)}` },
  // A profile's /events answers the customer events attached to it (API.md, Customer data
  // platform), not its journal: shown as such.
  { collection: 'profiles', label: 'Profile', streamType: 'profile', state: (id) => `/v1/profiles/${segment(id)}`, customerEvents: true },
  { collection: 'merge-reviews', label: 'Merge review', streamType: 'merge_review', state: (id) => `/v1/merge-reviews/${segment(id)}` },
  { collection: 'alerts', label: 'Alert', streamType: 'alert', state: (id) => `/admin/alerts/${segment(id)}` },
  { collection: 'audit', label: 'Audit entry', streamType: 'audit', state: (id) => `/admin/audit/${segment(id)}` },
  { collection: 'reconciliations', label: 'Reconciliation sweep', streamType: 'reconciliation', state: (id) => `/admin/reconcile/${segment(id)}` },
  { collection: 'checkouts', label: 'Checkout (saga)', streamType: 'checkout', state: null },
  { collection: 'profile-merges', label: 'Profile merge', streamType: 'profile_merge', state: null },
  { collection: 'webhooks', label: 'Webhook', streamType: 'webhook', state: null },
];

export const kindOfCollection = (collection) => kinds.find((k) => k.collection === collection);
export const kindOfStreamType = (streamType) => kinds.find((k) => k.streamType === streamType);
