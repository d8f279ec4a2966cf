// The browser panel's state: where the capture is (loading, idle, starting, recording, stopping),
// the display's connection, the last status of the sprite's browser; how each answer and action
// moves it, and what the controls and the overlay show for it. No DOM.

import { clock, plural } from '../../format';
import type { BrowserStatus } from '../../types';
import type { DisplayState } from '../../vnc';

export type Phase = 'loading' | 'idle' | 'starting' | 'recording' | 'stopping';

export interface BrowserState {
  phase: Phase;
  /** null: not connected, nor trying. */
  display: DisplayState | null;
  status: BrowserStatus;
  /** When the capture started (unix seconds; 0: none). */
  startedAt: number;
  /** The relay's WebSocket path, as browser/start or browser/vnc said. */
  vncPath: string;
  /** What "stopping" is doing now. */
  stage: string;
  /** Why the first status could not be asked ('' when it was). */
  loadError: string;
  /** A model is configured: the prompt box shows. */
  configured: boolean;
}

export const newBrowserState = (): BrowserState => ({
  phase: 'loading',
  display: null,
  status: { running: false },
  startedAt: 0,
  vncPath: '',
  stage: '',
  loadError: '',
  configured: false,
});

/** The browser runs, or is being started: its controls work. */
export const isLive = (s: BrowserState) => s.phase === 'recording' || s.phase === 'starting';

/** What the user typed as an address: a scheme is added when there is none. */
export function normalizeUrl(text: string): string {
  const t = text.trim();
  if (!t) return 'about:blank';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t) || /^(about|data|chrome):/i.test(t)) return t;
  const local = /^(localhost|127\.|\[?::1|10\.|192\.168\.|\d+\.\d+\.\d+\.\d+)/i.test(t);
  return `${local ? 'http' : 'https'}://${t}`;
}

/** What the page does after a status answer. */
export interface StatusOutcome {
  /** The capture ended by itself: what to say. */
  ended: { text: string; error: boolean } | null;
  /** Leave the display (the browser is gone). */
  disconnect: boolean;
  /** Connect the display: the browser has a tab and nothing is connected. */
  connect: boolean;
}

/** Takes a status answer in. */
export function takeStatus(s: BrowserState, status: BrowserStatus): StatusOutcome {
  s.status = status;
  if (status.running) {
    if (s.phase === 'idle' || s.phase === 'loading') s.phase = 'recording';
    if (status.startedAt) s.startedAt = status.startedAt;
    // connecting before Xvnc listens would only fail: wait for Chromium to answer
    const ready = !status.starting || status.tabs > 0;
    return { ended: null, disconnect: false, connect: s.phase === 'recording' && s.display === null && ready };
  }
  if (s.phase !== 'recording' && s.phase !== 'loading') return { ended: null, disconnect: false, connect: false };
  const ended =
    s.phase === 'recording'
      ? { text: status.error ? `The capture ended: ${status.error}` : 'The capture ended.', error: !!status.error }
      : null;
  s.phase = 'idle';
  s.display = null;
  s.startedAt = 0;
  return { ended, disconnect: true, connect: false };
}

/** The address the browser's tab shows, worth putting in the URL bar ('' for none). */
export const tabUrl = (status: BrowserStatus) =>
  status.running && status.url && status.url !== 'about:blank' ? status.url : '';

/** Ask again: the first status, the display again when it was lost. */
export function restart(s: BrowserState): void {
  s.loadError = '';
  if (s.display === 'lost') s.display = null; // reconnects if the capture still runs
  s.phase = 'loading';
}

/** Start capture pressed: a browser on address is on its way, with no request yet. */
export function starting(s: BrowserState, address: string, now: number): void {
  s.phase = 'starting';
  s.startedAt = now;
  s.status = {
    running: true,
    starting: true,
    entries: 0,
    pages: 0,
    tabs: 0,
    bytes: 0,
    startedAt: now,
    url: address,
    startUrl: address,
    title: '',
    harPath: '',
    captureId: '',
  };
  s.display = null;
}

/** No capture any more (it did not start, or it was stopped and handed to the engineer). */
export function idle(s: BrowserState): void {
  s.phase = 'idle';
  s.startedAt = 0;
}

/** Stop & generate pressed: the HAR is written first. */
export function stopping(s: BrowserState): void {
  s.phase = 'stopping';
  s.stage = 'Stopping the capture: writing the HAR and checkpointing the sprite…';
  s.display = null;
}

/** What the toolbar and the options show. */
export interface Controls {
  navDisabled: boolean;
  startHidden: boolean;
  startDisabled: boolean;
  stopHidden: boolean;
  stopDisabled: boolean;
  /** The recording indicator and the capture options. */
  recordingHidden: boolean;
  promptHidden: boolean;
  /** The replay box and the prompt, while stopping. */
  optionsDisabled: boolean;
  urlDisabled: boolean;
  /** Requests recorded. */
  entries: number;
  counter: string;
  /** The time since the capture started ('' without one). */
  elapsed: string;
  live: boolean;
}

export function controls(s: BrowserState, now: number): Controls {
  const live = isLive(s);
  const stopping = s.phase === 'stopping';
  const entries = s.status.running ? s.status.entries : 0;
  return {
    navDisabled: !live,
    startHidden: live || stopping,
    startDisabled: s.phase !== 'idle',
    stopHidden: !live && !stopping,
    stopDisabled: s.phase !== 'recording',
    recordingHidden: !live && !stopping,
    promptHidden: (!live && !stopping) || !s.configured,
    optionsDisabled: stopping,
    urlDisabled: stopping || s.phase === 'loading',
    entries,
    counter: plural(entries, 'request'),
    elapsed: s.startedAt ? clock(now - s.startedAt) : '',
    live,
  };
}

/** What covers the screen: why the first status failed, a wait, no browser, a lost display;
 * null once the display shows. */
export type Overlay = 'failed' | 'loading' | 'idle' | 'stopping' | 'lost' | 'starting' | null;

export function overlay(s: BrowserState): Overlay {
  if (s.loadError) return 'failed';
  if (s.phase === 'loading' || s.phase === 'idle' || s.phase === 'stopping') return s.phase;
  if (s.display === 'lost') return 'lost';
  return s.display === 'connected' ? null : 'starting';
}

const REPLAY_KEY = 'rae.replayAfterGenerate';

/** Whether the user last asked for a replay (off until they do: it sends requests to the site). */
export function replayWanted(): boolean {
  try {
    return localStorage.getItem(REPLAY_KEY) === '1';
  } catch {
    return false;
  }
}

export function rememberReplay(on: boolean): void {
  try {
    localStorage.setItem(REPLAY_KEY, on ? '1' : '0');
  } catch {
    // storage refused (private mode): the choice holds for this page only
  }
}
