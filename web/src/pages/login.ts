// Sign in, then back to the page that asked for it (?next=).

import { messageOf } from '../api';
import { currentUser, signIn } from '../auth';
import { h, put } from '../dom';
import { navigate, type View } from '../router';
import { busy } from '../ui';

/** Where to go after signing in: a path of this app, never another site. */
function nextPath(query: URLSearchParams): string {
  const next = query.get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';
}

export function loginPage(query: URLSearchParams): View {
  const next = nextPath(query);
  if (currentUser()) {
    queueMicrotask(() => {
      navigate(next, true);
    });
  }
  const error = h('div', { class: 'form-error', role: 'alert' });
  const username = h('input', {
    id: 'login-username',
    name: 'username',
    autocomplete: 'username',
    required: true,
    'data-testid': 'login-username',
  });
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'data-testid': 'login-password',
  });
  const submit = h('button', { class: 'btn primary wide', type: 'submit', 'data-testid': 'login-submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card auth-card', novalidate: false },
    h('h1', null, 'Sign in to rae'),
    h('p', { class: 'muted' }, 'Record a site in a real browser, get a working API client.'),
    h('label', { for: 'login-username' }, 'Username'),
    username,
    h('label', { for: 'login-password' }, 'Password'),
    password,
    error,
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    put(error);
    void busy(submit, 'Signing in…', async () => {
      try {
        await signIn(username.value.trim(), password.value);
        navigate(next, true);
      } catch (err) {
        put(error, messageOf(err));
        password.select();
      }
    });
  });
  requestAnimationFrame(() => {
    username.focus();
  });
  return { el: h('div', { class: 'auth-page' }, form), title: 'Sign in' };
}
