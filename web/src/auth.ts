// Who is signed in. The session is a cookie; the CSRF token that goes with it lives here.

import * as api from './api';
import type { User } from './types';

let user: User | null = null;
const listeners = new Set<(u: User | null) => void>();

export function currentUser(): User | null {
  return user;
}

export function onUserChange(fn: (u: User | null) => void): void {
  listeners.add(fn);
}

function set(u: User | null, csrf: string): void {
  user = u;
  api.setCsrf(csrf);
  listeners.forEach((fn) => {
    fn(u);
  });
}

/** Asks the server who we are (null: signed out). Errors (unreachable) are thrown. */
export async function loadUser(): Promise<User | null> {
  const r = await api.authState();
  set(r.user, r.user ? (r.csrf ?? '') : '');
  return user;
}

export async function signIn(username: string, password: string): Promise<void> {
  const r = await api.login(username, password);
  set(r.user, r.csrf);
}

/** Creates the first account with the one-time token, and signs in as it. */
export async function setUp(token: string, username: string, password: string): Promise<void> {
  const r = await api.setup(token, username, password);
  set(r.user, r.csrf);
}

export async function signOut(): Promise<void> {
  try {
    await api.logout();
  } finally {
    set(null, '');
  }
}

/** The session ended on the server (a 401 somewhere). */
export function forget(): void {
  set(null, '');
}
