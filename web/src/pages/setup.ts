// The first account, from the one-time link `rae serve` prints on its first start.

import { messageOf } from '../api';
import { setUp } from '../auth';
import { h, put } from '../dom';
import { navigate, type View } from '../router';
import { busy, failed } from '../ui';

export function setupPage(query: URLSearchParams): View {
  const token = query.get('token') ?? '';
  const title = 'Create the admin account';
  if (!token) {
    return {
      title,
      el: h(
        'div',
        { class: 'auth-page' },
        h(
          'div',
          { class: 'card auth-card' },
          h('h1', null, title),
          failed('This link has no token. Use the whole link that `rae serve` printed on its first start.'),
          h('a', { href: '/login' }, 'Sign in instead'),
        ),
      ),
    };
  }
  const error = h('div', { class: 'form-error', role: 'alert' });
  const field = (id: string, type: string, autocomplete: string) =>
    h('input', { id, name: id, type, autocomplete, required: true, 'data-testid': id });
  const username = field('setup-username', 'text', 'username');
  const password = field('setup-password', 'password', 'new-password');
  const again = field('setup-again', 'password', 'new-password');
  const submit = h(
    'button',
    { class: 'btn primary wide', type: 'submit', 'data-testid': 'setup-submit' },
    'Create account',
  );
  const form = h(
    'form',
    { class: 'card auth-card' },
    h('h1', null, title),
    h('p', { class: 'muted' }, 'This link works once. The account you create here is an administrator.'),
    h('label', { for: 'setup-username' }, 'Username'),
    username,
    h('label', { for: 'setup-password' }, 'Password'),
    password,
    h('label', { for: 'setup-again' }, 'Password, again'),
    again,
    error,
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (password.value !== again.value) {
      put(error, 'The two passwords differ.');
      again.select();
      return;
    }
    put(error);
    void busy(submit, 'Creating…', async () => {
      try {
        await setUp(token, username.value.trim(), password.value);
        navigate('/', true);
      } catch (err) {
        put(error, messageOf(err));
      }
    });
  });
  return { el: h('div', { class: 'auth-page' }, form), title };
}
