// The client of the rae server's JSON API (docs/api.md): one function per call, errors as
// ApiError with the server's message, the CSRF token on every change, 401 → sign in again.

import { markDown } from './connection';
import type {
  BrowserStart,
  BrowserStatus,
  BrowserStop,
  Checkpoint,
  Listing,
  LlmState,
  Provider,
  Run,
  RunStart,
  Session,
  Sprite,
  UsageReport,
  User,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';
let signedOut: () => void = () => undefined;

export function setCsrf(token: string): void {
  csrf = token;
}

/** What to do when the session is gone (a 401 "unauthenticated" on any call). */
export function onSignedOut(fn: () => void): void {
  signedOut = fn;
}

/** The message of anything thrown, for people. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function unreachable(): ApiError {
  markDown();
  return new ApiError(0, 'unreachable', 'The server is unreachable.');
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    headers['X-CSRF-Token'] = csrf;
  }
  try {
    return await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
    });
  } catch {
    throw unreachable();
  }
}

/** The ApiError of a failed response. */
async function failure(res: Response): Promise<ApiError> {
  const data = (await res.json().catch(() => null)) as {
    error?: { code?: string; message?: string };
  } | null;
  const error = data?.error;
  // a 5xx that is not one of ours comes from a proxy in front of a server that is down
  if (!error && res.status >= 500) return unreachable();
  if (res.status === 401 && error?.code === 'unauthenticated') signedOut();
  return new ApiError(
    res.status,
    error?.code ?? `http_${res.status}`,
    error?.message ?? `${res.status} ${res.statusText}`,
  );
}

const BUSY_RETRIES = 5;

/** A 429 `busy` (too much of this user's work in flight on the server): the request was not
 * run, so it is sent again after the Retry-After the server gave. */
async function busy(res: Response): Promise<number> {
  if (res.status !== 429) return 0;
  const data = (await res
    .clone()
    .json()
    .catch(() => null)) as { error?: { code?: string } } | null;
  if (data?.error?.code !== 'busy') return 0;
  return Math.max(1, Number(res.headers.get('Retry-After') ?? '1')) * 1000;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const res = await send(method, path, body);
    const wait = attempt < BUSY_RETRIES ? await busy(res) : 0;
    if (wait) {
      await new Promise((resolve) => window.setTimeout(resolve, wait));
      continue;
    }
    if (!res.ok) throw await failure(res);
    return (await res.json()) as T;
  }
}

const get = <T>(path: string) => call<T>('GET', path);
const post = <T>(path: string, body?: unknown) => call<T>('POST', path, body);
const del = <T>(path: string) => call<T>('DELETE', path);
const putJson = <T>(path: string, body: unknown) => call<T>('PUT', path, body);

const sp = (id: string) => `/api/sprite/${encodeURIComponent(id)}`;

// ---- accounts ----

/** Who is signed in: never a 401, so a signed-out visit logs no failed request. */
export const authState = () => get<{ user: User | null; csrf?: string }>('/api/auth/state');
export const login = (username: string, password: string) =>
  post<{ user: User; csrf: string }>('/api/auth/login', { username, password });
export const setup = (token: string, username: string, password: string) =>
  post<{ user: User; csrf: string }>('/api/auth/setup', { token, username, password });
export const logout = () => post<{ ok: boolean }>('/api/auth/logout');

// ---- sprites and history ----

export const sprites = () => get<{ sprites: Sprite[] }>('/api/sprite');
/** Creates the caller's sprite, or returns the one they have. */
export const createSprite = () => post<Sprite>('/api/sprite');
export const sprite = (id: string) => get<Sprite>(sp(id));
export const sessions = () => get<{ sessions: Session[] }>('/api/sessions');

// ---- the browser ----

export const browserStart = (id: string, url: string) => post<BrowserStart>(`${sp(id)}/browser/start`, { url });
export const browserStop = (id: string) => post<BrowserStop>(`${sp(id)}/browser/stop`);
export const browserStatus = (id: string) => get<BrowserStatus>(`${sp(id)}/browser/status`);
export const browserVnc = (id: string) => get<{ url: string }>(`${sp(id)}/browser/vnc`);
export const browserCommand = (id: string, op: 'navigate' | 'back' | 'forward' | 'reload', url?: string) =>
  post<unknown>(`${sp(id)}/browser/${op}`, url === undefined ? {} : { url });

// ---- the engineer ----

export interface RunRequest {
  harPath?: string;
  /** After the files are written, replay.py runs in the sprite against the captured site. */
  replay?: boolean;
  /** What the person wants: with a model configured, the AI engineer does it. */
  prompt?: string;
  model?: string;
  /** Re-engineer: a new run on that run's HAR, starting from its scripts (with a prompt). */
  fromRun?: string;
}

export const engineerRun = (id: string, req: RunRequest) => post<RunStart>(`${sp(id)}/engineer/run`, req);
const runPath = (id: string, runId: string) => `${sp(id)}/engineer/run/${encodeURIComponent(runId)}`;
export const run = (id: string, runId: string) => get<{ run: Run }>(runPath(id, runId));
/** A follow-up in the run's conversation; its stream is then opened again. */
export const runMessage = (id: string, runId: string, text: string) =>
  post<{ runId: string; streamUrl: string }>(`${runPath(id, runId)}/messages`, { text });
/** Stops a run; answers once its process has ended. */
export const runCancel = (id: string, runId: string) => post<{ run: Run }>(`${runPath(id, runId)}/cancel`);

// ---- the AI engineer's model, the user's key, usage ----

export const llm = () => get<LlmState>('/api/llm');
/** Stores the user's own key (never sent back). */
export const setLlmKey = (provider: Provider, key: string) => putJson<LlmState>('/api/llm/key', { provider, key });
export const deleteLlmKey = () => del<LlmState>('/api/llm/key');

/** Tokens and cost over a span (unix seconds; default this month); all: every user's (admins). */
export function usage(o: { from?: number; to?: number; all?: boolean } = {}): Promise<UsageReport> {
  const q = new URLSearchParams();
  if (o.from !== undefined) q.set('from', String(Math.floor(o.from)));
  if (o.to !== undefined) q.set('to', String(Math.ceil(o.to)));
  if (o.all) q.set('all', '1');
  const s = q.toString();
  return get<UsageReport>(`/api/usage${s ? `?${s}` : ''}`);
}

// ---- files ----

/** The URL of a file (or, with download, of a file or a directory as a zip). */
export function fileUrl(id: string, path: string, download = false): string {
  return `${sp(id)}/files?path=${encodeURIComponent(path)}${download ? '&download=1' : ''}`;
}

export const listDir = (id: string, path: string) => get<Listing>(fileUrl(id, path));
export const deleteFile = (id: string, path: string) => del<{ ok: boolean }>(fileUrl(id, path));

export interface Text {
  text: string;
  /** Only the first `limit` bytes were read. */
  truncated: boolean;
  /** NUL bytes in it: not text. */
  binary: boolean;
  /** The whole size when the server said it. */
  size: number | null;
}

/** The first `limit` bytes of a file as text; the rest is not downloaded. */
export async function readFile(id: string, path: string, limit: number): Promise<Text> {
  const res = await send('GET', fileUrl(id, path));
  if (!res.ok) throw await failure(res);
  const length = res.headers.get('Content-Length');
  const chunks: Uint8Array[] = [];
  let got = 0;
  let truncated = false;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.length;
      if (got >= limit) {
        truncated = true;
        await reader.cancel();
        break;
      }
    }
  }
  const bytes = new Uint8Array(got);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  const head = bytes.subarray(0, Math.min(limit, got));
  return {
    text: new TextDecoder().decode(head),
    truncated: truncated && (length === null || Number(length) > limit),
    binary: head.subarray(0, 8192).includes(0),
    size: length === null ? null : Number(length),
  };
}

// ---- checkpoints ----

export const checkpoints = (id: string) => get<{ checkpoints: Checkpoint[] }>(`${sp(id)}/checkpoint`);
export const createCheckpoint = (id: string, comment: string) => post<Checkpoint>(`${sp(id)}/checkpoint`, { comment });
export const restoreCheckpoint = (id: string, cid: string) =>
  post<{ ok: boolean }>(`${sp(id)}/checkpoint/${encodeURIComponent(cid)}/restore`);

/** ws(s)://this host + path, for the VNC relay and the engineer stream. */
export function wsUrl(path: string): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
}
