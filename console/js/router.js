// Hash routes: #/<view>/<param>/<param>?<query>, e.g. #/entity/carts/crt_42 or
// #/dead-letters?target=cart&status=pending. The hash never holds the token.

export function currentRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, search = ''] = raw.split('?', 2);
  const segments = path.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { view: segments[0] || '', params: segments.slice(1), query: new URLSearchParams(search) };
}

// '#/entity/carts/x y' from ('entity', ['carts', 'x y']) and an optional query object.
export function hrefOf(view, params = [], query = {}) {
  const path = [view, ...params].map((s) => encodeURIComponent(String(s))).join('/');
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') search.set(name, value);
  const text = search.toString();
  return `#/${path}${text ? `?${text}` : ''}`;
}

export function navigate(view, params = [], query = {}) {
  const href = hrefOf(view, params, query);
  if (location.hash === href) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = href;
}
