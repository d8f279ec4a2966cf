// The app: the frame, who is signed in, then the routes.

import './styles.css';
import { ApiError, messageOf, onSignedOut } from './api';
import { currentUser, forget, loadUser } from './auth';
import { onReachability } from './connection';
import { h } from './dom';
import { dashboardPage } from './pages/dashboard';
import { loginPage } from './pages/login';
import { notFoundPage } from './pages/notfound';
import { settingsPage } from './pages/settings';
import { setupPage } from './pages/setup';
import { spritePage } from './pages/sprite';
import { navigate, type Route, startRouter } from './router';
import { shell } from './shell';
import { failed, loading } from './ui';

const routes: Route[] = [
  { path: '/login', auth: false, view: (_, q) => loginPage(q) },
  { path: '/setup', auth: false, view: (_, q) => setupPage(q) },
  { path: '/', auth: true, view: () => dashboardPage() },
  { path: '/settings', auth: true, view: () => settingsPage() },
  // the sprite and its runs share one view (key), so opening a run keeps the live display
  { path: '/sprite/:id', auth: true, key: (p) => `sprite:${p.id ?? ''}`, view: spritePage },
  { path: '/sprite/:id/run/:run', auth: true, key: (p) => `sprite:${p.id ?? ''}`, view: spritePage },
];

const root = document.getElementById('app');
if (!root) throw new Error('no #app element');
const outlet = shell(root);

// the session ended on the server: sign in again, then come back here
onSignedOut(() => {
  if (!currentUser()) return;
  forget();
  navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, true);
});

async function boot(): Promise<void> {
  outlet.replaceChildren(loading('Connecting to the server…'));
  try {
    await loadUser();
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 'unreachable')) {
      outlet.replaceChildren(
        h(
          'div',
          { class: 'page narrow' },
          failed(messageOf(e), () => void boot()),
        ),
      );
      return;
    }
    // the banner says so, and we try again once the server answers
    const stop = onReachability((up) => {
      if (!up) return;
      stop();
      void boot();
    });
    outlet.replaceChildren(h('div', { class: 'page narrow' }, loading('Waiting for the server…')));
    return;
  }
  startRouter({
    routes,
    outlet,
    signedIn: () => currentUser() !== null,
    notFound: notFoundPage,
  });
}

void boot();
