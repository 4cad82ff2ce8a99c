// The console's frame: sign-in gate, navigation, and the hash router that mounts one view at a
// time. A view module's default export is `render(root, context)`; it fills `root` (a fresh
// element, detached when the operator leaves, so late answers land nowhere) and may return a
// function that stops what it started (timers, streams). context = {params, query, navigate, hrefOf}.
import { api, onTokenRefused } from './api.js';
import { h } from './dom.js';
import { clearProblem, showProblem } from './problems.js';
import { currentRoute, hrefOf, navigate } from './router.js';
import { forgetToken, signedIn } from './session.js';
import { startSampling, stopSampling } from './sampler.js';
import { views } from './views/index.js';
import signIn from './views/sign-in.js';

const viewSlot = document.getElementById('view');
const nav = document.getElementById('nav');
const signOutButton = document.getElementById('sign-out');
let stopView = null;
let mounted = 0;  // increases with every mount, so that a slow import never mounts a view left

function renderNav(active) {
  const groups = new Map();
  for (const view of views) {
    if (!groups.has(view.group)) groups.set(view.group, []);
    groups.get(view.group).push(view);
  }
  nav.replaceChildren(...[...groups].map(([group, members]) =>
    h('div', { class: 'nav-group' },
      h('div', { class: 'nav-heading', text: group }),
      members.map((view) => h('a', {
        href: hrefOf(view.path),
        class: ['nav-link', view.path === active ? 'active' : null],
        'aria-current': view.path === active ? 'page' : null,
        dataset: { view: view.path },
        text: view.title,
      })))));
}

function unmount() {
  if (stopView) {
    try {
      stopView();
    } catch (error) {
      console.warn('a view did not stop cleanly', error);
    }
  }
  stopView = null;
}

function showSignIn(message) {
  unmount();
  mounted += 1;
  stopSampling();
  nav.hidden = true;
  signOutButton.hidden = true;
  document.getElementById('node-name').textContent = '';
  const root = h('div', { class: 'view', dataset: { view: 'sign-in' } });
  viewSlot.replaceChildren(root);
  signIn(root, { message, onSignedIn: () => route() });
}

// The node this console talks to, in the top bar (other nodes' consoles look the same).
async function showNodeName() {
  const slot = document.getElementById('node-name');
  if (slot.textContent) return;
  slot.textContent = location.host;
  try {
    const cluster = await api('/admin/cluster');
    if (cluster.self) slot.textContent = `node ${cluster.self} · ${location.host}`;
  } catch {
    // the host alone says enough
  }
}

async function route() {
  if (!signedIn()) return showSignIn();
  const { view: path, params, query } = currentRoute();
  const view = views.find((v) => v.path === path);
  if (!view) return navigate('overview');
  unmount();
  clearProblem();
  const token = ++mounted;
  nav.hidden = false;
  signOutButton.hidden = false;
  renderNav(view.path);
  startSampling();
  showNodeName();
  document.title = `${view.title} · commerced`;
  const root = h('div', { class: 'view', dataset: { view: view.path } });
  viewSlot.replaceChildren(root);
  try {
    const module = await view.load();
    if (token !== mounted) return;
    stopView = (await module.default(root, { params, query, navigate, hrefOf })) || null;
    if (token !== mounted && stopView) unmount();
  } catch (error) {
    if (token === mounted) showProblem(error);
  }
}

onTokenRefused((error) => {
  forgetToken();
  showSignIn(`The node refused the token (${error.status} ${error.code}); sign in again.`);
});

signOutButton.addEventListener('click', () => {
  forgetToken();
  showSignIn('Signed out. The token is forgotten.');
});

window.addEventListener('hashchange', route);
route();
