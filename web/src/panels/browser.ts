// The browser view: the sprite's Chromium on noVNC, its URL bar and buttons, Start capture,
// the recording indicator and Stop & generate.

import * as api from '../api';
import type { Bus } from '../bus';
import { h, put } from '../dom';
import { clock, plural } from '../format';
import { llmState, onLlmChange } from '../llm';
import type { BrowserStatus } from '../types';
import { empty, failed, spinner } from '../ui';
import { Display, type DisplayState } from '../vnc';

type State = 'loading' | 'idle' | 'starting' | 'recording' | 'stopping';

/** What the user typed as an address: a scheme is added when there is none. */
function normalizeUrl(text: string): string {
  const t = text.trim();
  if (!t) return 'about:blank';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t) || /^(about|data|chrome):/i.test(t)) return t;
  const local = /^(localhost|127\.|\[?::1|10\.|192\.168\.|\d+\.\d+\.\d+\.\d+)/i.test(t);
  return `${local ? 'http' : 'https'}://${t}`;
}

export interface BrowserPanel {
  el: HTMLElement;
  /** Asks the server again whether a capture runs (after a restore or a reconnect). */
  refresh: () => void;
  dispose: () => void;
}

const REPLAY_KEY = 'rae.replayAfterGenerate';

/** Whether the user last asked for a replay (off until they do: it sends requests to the site). */
function replayWanted(): boolean {
  try {
    return localStorage.getItem(REPLAY_KEY) === '1';
  } catch {
    return false;
  }
}

/** generate runs the engineer on a HAR (and replays it against the site when replay is true;
 * with a prompt, the AI engineer does what it says), then opens the run; it throws when it
 * cannot. */
export function browserPanel(
  spriteId: string,
  bus: Bus,
  generate: (harPath: string, replay: boolean, prompt: string) => Promise<void>,
): BrowserPanel {
  let state: State = 'loading';
  let display: DisplayState | null = null;
  let status: BrowserStatus = { running: false };
  let startedAt = 0;
  let vncPath = ''; // the relay's WebSocket path, as browser/start or browser/vnc said
  let stage = ''; // what "stopping" is doing now
  let loadError = '';
  let polling = false;
  const current = (): State => state; // what state is now, after awaits that may change it

  const iconButton = (label: string, icon: string, op: 'back' | 'forward' | 'reload') =>
    h(
      'button',
      {
        class: 'btn icon',
        type: 'button',
        title: label,
        'aria-label': label,
        'data-testid': `nav-${op}`,
        on: { click: () => void command(op) },
      },
      icon,
    );
  const back = iconButton('Back', '←', 'back');
  const forward = iconButton('Forward', '→', 'forward');
  const reload = iconButton('Reload', '↻', 'reload');
  const url = h('input', {
    class: 'url',
    type: 'text',
    inputmode: 'url',
    spellcheck: 'false',
    autocomplete: 'off',
    placeholder: 'Address of the site to capture, e.g. https://example.com',
    'aria-label': 'Address',
    'data-testid': 'url-input',
  });
  const start = h(
    'button',
    { class: 'btn primary', type: 'button', 'data-testid': 'start-capture', on: { click: () => void startCapture() } },
    'Start capture',
  );
  const stop = h(
    'button',
    {
      class: 'btn danger',
      type: 'button',
      'data-testid': 'stop-generate',
      on: { click: () => void stopAndGenerate() },
    },
    'Stop & generate',
  );
  const replay = h('input', { type: 'checkbox', id: 'replay-toggle', 'data-testid': 'replay-toggle' });
  replay.checked = replayWanted();
  replay.addEventListener('change', () => {
    try {
      localStorage.setItem(REPLAY_KEY, replay.checked ? '1' : '0');
    } catch {
      // storage refused (private mode): the choice holds for this page only
    }
  });
  const options = h(
    'div',
    { class: 'capture-options' },
    h(
      'label',
      {
        for: 'replay-toggle',
        title:
          'After Stop & generate writes the client, run its replay.py inside the sprite against the captured site. ' +
          'It sends the recorded requests to the real site again, POST, PUT and DELETE included, so it can change data there.',
      },
      replay,
      'Replay against the site after generating',
    ),
    h('span', { class: 'muted small' }, 'sends the recorded requests again, writes included'),
  );
  // with a model configured: what the engineer should do with the capture, in words
  const prompt = h('textarea', {
    class: 'capture-prompt-input',
    rows: 1,
    placeholder: 'Then ask the engineer (optional), e.g. "Export every item as CSV"',
    'aria-label': 'What the engineer should do with the capture',
    'data-testid': 'capture-prompt',
  });
  const promptRow = h('div', { class: 'capture-prompt', hidden: true }, prompt);
  prompt.addEventListener('keydown', (e) => {
    // Enter stops and generates, as the button does; Shift+Enter is a new line
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    if (state === 'recording') void stopAndGenerate();
  });
  let configured = false;
  const showPrompt = (on: boolean) => {
    configured = on;
    render();
  };
  llmState().then(
    (s) => {
      showPrompt(s.configured);
    },
    () => undefined,
  );
  const stopLlm = onLlmChange((s) => {
    showPrompt(s.configured);
  });
  const elapsed = h('span', { class: 'rec-time', 'data-testid': 'recording-time' });
  const counter = h('span', { class: 'rec-count', 'data-testid': 'recording-counter', 'aria-live': 'polite' });
  const indicator = h(
    'div',
    { class: 'rec', 'data-testid': 'recording-indicator', title: 'Recording every request into a HAR file' },
    h('span', { class: 'rec-dot', 'aria-hidden': 'true' }),
    h('span', { class: 'rec-label' }, 'Recording'),
    elapsed,
    counter,
  );
  const message = h('div', { class: 'browser-message', role: 'status' });
  const screen = h('div', { class: 'screen', 'data-testid': 'vnc-container' });
  const overlay = h('div', { class: 'overlay' });
  const el = h(
    'section',
    { class: 'panel browser', 'aria-label': 'Browser' },
    h('div', { class: 'toolbar' }, back, forward, reload, url, indicator, start, stop),
    options,
    promptRow,
    message,
    h('div', { class: 'stage' }, screen, overlay),
  );

  const vnc = new Display(
    screen,
    (s) => {
      display = s;
      render();
    },
    // after a drop, reconnect only while the capture still runs
    async () => {
      if (state !== 'recording') return false;
      const s = await api.browserStatus(spriteId);
      apply(s); // may end the capture here
      render();
      return s.running && current() === 'recording';
    },
  );

  url.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (state === 'recording' || state === 'starting') void command('navigate', normalizeUrl(url.value));
    else if (state === 'idle') void startCapture();
  });

  function say(text: string, error = false): void {
    message.className = `browser-message${error ? ' is-error' : ''}`;
    message.textContent = text;
  }

  function render(): void {
    const live = state === 'recording' || state === 'starting';
    for (const b of [back, forward, reload]) b.disabled = !live;
    start.hidden = live || state === 'stopping';
    start.disabled = state !== 'idle';
    stop.hidden = !live && state !== 'stopping';
    stop.disabled = state !== 'recording';
    indicator.hidden = !live && state !== 'stopping';
    options.hidden = !live && state !== 'stopping';
    promptRow.hidden = options.hidden || !configured;
    replay.disabled = state === 'stopping';
    prompt.disabled = state === 'stopping';
    url.disabled = state === 'stopping' || state === 'loading';
    const entries = status.running ? status.entries : 0;
    counter.textContent = plural(entries, 'request');
    counter.dataset.count = String(entries);
    elapsed.textContent = startedAt ? clock(Date.now() / 1000 - startedAt) : '';
    el.classList.toggle('is-recording', live);

    let over: HTMLElement | null = null;
    if (loadError) over = failed(loadError, refresh);
    else if (state === 'loading')
      over = h('div', { class: 'state' }, spinner(), 'Asking the sprite about its browser…');
    else if (state === 'idle')
      over = empty(
        'No browser running',
        'Type the address of a site above and press Start capture. A real Chromium opens here, inside your sprite; every request it makes is recorded into a HAR file.',
      );
    else if (state === 'stopping') over = h('div', { class: 'state' }, spinner(), stage);
    else if (display === 'lost')
      over = h(
        'div',
        { class: 'state error', role: 'alert' },
        h('p', null, 'The display is disconnected. The capture keeps recording.'),
        h('button', { class: 'btn', type: 'button', on: { click: connectDisplay } }, 'Reconnect'),
      );
    else if (display !== 'connected') over = h('div', { class: 'state' }, spinner(), 'Starting the browser…');
    overlay.hidden = !over;
    put(overlay, over);
  }

  function connectDisplay(): void {
    display = 'connecting';
    if (vncPath) {
      vnc.connect(vncPath);
      return;
    }
    api.browserVnc(spriteId).then(
      (r) => {
        vncPath = r.url;
        if (state === 'recording') vnc.connect(vncPath);
      },
      (e: unknown) => {
        display = 'lost';
        say(`Cannot reach the display: ${api.messageOf(e)}`, true);
        render();
      },
    );
  }

  /** Takes a status answer in; connects the display once the browser has a tab. */
  function apply(s: BrowserStatus): void {
    status = s;
    if (s.running) {
      if (state === 'idle' || state === 'loading') state = 'recording';
      if (s.startedAt) startedAt = s.startedAt;
      // the tab's address (the start address until Chromium answers), unless the user is typing
      if (s.url && s.url !== 'about:blank' && document.activeElement !== url && s.url !== url.value) url.value = s.url;
      // connecting before Xvnc listens would only fail: wait for Chromium to answer
      const ready = !s.starting || s.tabs > 0;
      if (state === 'recording' && display === null && ready) connectDisplay();
    } else if (state === 'recording' || state === 'loading') {
      if (state === 'recording') say(s.error ? `The capture ended: ${s.error}` : 'The capture ended.', !!s.error);
      state = 'idle';
      vnc.disconnect();
      display = null;
      startedAt = 0;
    }
  }

  async function poll(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      apply(await api.browserStatus(spriteId));
      loadError = '';
    } catch (e) {
      // while recording, a failed poll is retried by the next tick (the banner covers a lost server)
      if (state === 'loading') loadError = `Cannot ask the sprite about its browser: ${api.messageOf(e)}`;
    } finally {
      polling = false;
      render();
    }
  }

  function tick(): void {
    render();
    if (state === 'recording' || state === 'starting') void poll();
  }

  function refresh(): void {
    loadError = '';
    if (display === 'lost') display = null; // reconnects if the capture still runs
    state = 'loading';
    render();
    void poll();
  }

  async function startCapture(): Promise<void> {
    const address = normalizeUrl(url.value);
    url.value = address === 'about:blank' ? '' : address;
    say('');
    state = 'starting';
    startedAt = Date.now() / 1000;
    status = {
      running: true,
      starting: true,
      entries: 0,
      pages: 0,
      tabs: 0,
      bytes: 0,
      startedAt,
      url: address,
      startUrl: address,
      title: '',
      harPath: '',
      captureId: '',
    };
    display = null;
    render();
    try {
      vncPath = (await api.browserStart(spriteId, address)).vncUrl;
      state = 'recording';
      bus.emit('files', 'sprite');
      void poll();
    } catch (e) {
      state = 'idle';
      startedAt = 0;
      say(`The browser did not start: ${api.messageOf(e)}`, true);
      render();
    }
  }

  /** A URL bar or button command; retried while Chromium is still opening its first tab. */
  async function command(op: 'navigate' | 'back' | 'forward' | 'reload', address?: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await api.browserCommand(spriteId, op, address);
        say('');
        if (address) url.value = address;
        vnc.focus();
        return;
      } catch (e) {
        const starting = e instanceof api.ApiError && (e.code === 'browser_starting' || e.code === 'no_browser');
        if (!starting || attempt >= 15) {
          say(api.messageOf(e), true);
          return;
        }
        say('The browser is still starting…');
        await new Promise((r) => setTimeout(r, 700));
      }
    }
  }

  async function stopAndGenerate(): Promise<void> {
    say('');
    state = 'stopping';
    stage = 'Stopping the capture: writing the HAR and checkpointing the sprite…';
    // the display goes with the browser: leave it first rather than see it drop (and retry)
    vnc.disconnect();
    display = null;
    render();
    let harPath: string;
    try {
      harPath = (await api.browserStop(spriteId)).harPath;
    } catch (e) {
      state = 'recording'; // the next poll connects the display again
      say(`The capture did not stop: ${api.messageOf(e)}`, true);
      render();
      return;
    }
    bus.emit('files', 'checkpoints', 'sprite');
    stage = 'Starting the engineer…';
    render();
    try {
      await generate(harPath, replay.checked, configured ? prompt.value.trim() : '');
      prompt.value = '';
      say(`The capture is saved as ${harPath}.`);
    } catch (e) {
      say(`The capture is saved as ${harPath}, but the engineer did not start: ${api.messageOf(e)}`, true);
    } finally {
      state = 'idle';
      startedAt = 0;
      status = { running: false };
      render();
    }
  }

  const timer = window.setInterval(tick, 1000);
  refresh();

  return {
    el,
    refresh,
    dispose() {
      window.clearInterval(timer);
      stopLlm();
      vnc.disconnect();
    },
  };
}
