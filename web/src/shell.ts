// The frame around every page: the header (who is signed in, sign out) and the banner that says
// when the server cannot be reached.

import { currentUser, onUserChange, signOut } from './auth';
import { onReachability } from './connection';
import { h, put } from './dom';
import { navigate } from './router';

export function shell(root: HTMLElement): HTMLElement {
  const banner = h(
    'div',
    { class: 'banner', role: 'status', 'data-testid': 'unreachable-banner', hidden: true },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    'Server unreachable — reconnecting…',
  );
  onReachability((up) => {
    banner.hidden = up;
  });

  const who = h('div', { class: 'who' });
  const header = h(
    'header',
    { class: 'topbar' },
    h(
      'a',
      { class: 'brand', href: '/', 'aria-label': 'rae, home' },
      h('span', { class: 'logo' }, 'rae'),
      h('span', { class: 'brand-sub' }, 'Reverse API Engineer'),
    ),
    who,
  );
  const showUser = () => {
    const u = currentUser();
    header.hidden = !u;
    if (!u) return;
    const button = h(
      'button',
      { class: 'btn ghost', type: 'button', 'data-testid': 'sign-out', on: { click: () => void out() } },
      'Sign out',
    );
    const out = async () => {
      button.disabled = true;
      await signOut().catch(() => undefined); // signed out locally even if the server is away
      navigate('/login');
    };
    const settings = h('a', { class: 'btn ghost', href: '/settings', 'data-testid': 'settings-link' }, 'Settings');
    put(who, h('span', { class: 'user', 'data-testid': 'user-name' }, u.name), settings, button);
  };
  onUserChange(showUser);
  showUser();

  const main = h('main', { class: 'main', id: 'main' });
  put(root, h('a', { class: 'skip', href: '#main' }, 'Skip to content'), banner, header, main);
  return main;
}
