// The browser panel drawn: the toolbar (back, forward, reload, the URL bar, the recording
// indicator, Start capture, Stop & generate), the capture's options and prompt, a message line,
// the screen and what covers it. What the controls do is the panel's (index.ts).

import { h, put } from '../../dom';
import { empty, failed, spinner } from '../../ui';
import type { Command } from './api';
import { type BrowserState, controls, overlay, rememberReplay, replayWanted } from './state';

export interface BrowserHandlers {
  command: (op: Command) => void;
  start: () => void;
  stop: () => void;
  /** Enter in the URL bar. */
  go: () => void;
  /** Enter in the prompt. */
  promptEnter: () => void;
  /** The display again, after it was lost. */
  reconnect: () => void;
  /** The first status again, after it failed. */
  retry: () => void;
}

export interface BrowserView {
  el: HTMLElement;
  url: HTMLInputElement;
  replay: HTMLInputElement;
  prompt: HTMLTextAreaElement;
  /** Where noVNC draws. */
  screen: HTMLElement;
  /** The message line: what happened, or (error) what went wrong. */
  say(text: string, error?: boolean): void;
  render(s: BrowserState): void;
}

export function browserView(on: BrowserHandlers): BrowserView {
  const iconButton = (label: string, icon: string, op: Command) =>
    h(
      'button',
      {
        class: 'btn icon',
        type: 'button',
        title: label,
        'aria-label': label,
        'data-testid': `nav-${op}`,
        on: {
          click: () => {
            on.command(op);
          },
        },
      },
      icon,
    );
  const nav = [
    iconButton('Back', '←', 'back'),
    iconButton('Forward', '→', 'forward'),
    iconButton('Reload', '↻', 'reload'),
  ];
  const url = urlBar(on);
  const start = h(
    'button',
    { class: 'btn primary', type: 'button', 'data-testid': 'start-capture', on: { click: on.start } },
    'Start capture',
  );
  const stop = h(
    'button',
    { class: 'btn danger', type: 'button', 'data-testid': 'stop-generate', on: { click: on.stop } },
    'Stop & generate',
  );
  const replay = replayToggle();
  const options = captureOptions(replay);
  const prompt = promptBox(on);
  const promptRow = h('div', { class: 'capture-prompt', hidden: true }, prompt);
  const rec = recordingIndicator();
  const message = h('div', { class: 'browser-message', role: 'status' });
  const screen = h('div', { class: 'screen', 'data-testid': 'vnc-container' });
  const cover = h('div', { class: 'overlay' });
  const el = h(
    'section',
    { class: 'panel browser', 'aria-label': 'Browser' },
    h('div', { class: 'toolbar' }, nav, url, rec.el, start, stop),
    options,
    promptRow,
    message,
    h('div', { class: 'stage' }, screen, cover),
  );

  function render(s: BrowserState): void {
    const c = controls(s, Date.now() / 1000);
    for (const b of nav) b.disabled = c.navDisabled;
    start.hidden = c.startHidden;
    start.disabled = c.startDisabled;
    stop.hidden = c.stopHidden;
    stop.disabled = c.stopDisabled;
    rec.el.hidden = c.recordingHidden;
    options.hidden = c.recordingHidden;
    promptRow.hidden = c.promptHidden;
    replay.disabled = c.optionsDisabled;
    prompt.disabled = c.optionsDisabled;
    url.disabled = c.urlDisabled;
    rec.counter.textContent = c.counter;
    rec.counter.dataset.count = String(c.entries);
    rec.elapsed.textContent = c.elapsed;
    el.classList.toggle('is-recording', c.live);
    const over = overlayOf(s, on);
    cover.hidden = !over;
    put(cover, over);
  }

  return {
    el,
    url,
    replay,
    prompt,
    screen,
    say(text, error = false) {
      message.className = `browser-message${error ? ' is-error' : ''}`;
      message.textContent = text;
    },
    render,
  };
}

function urlBar(on: BrowserHandlers): HTMLInputElement {
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
  url.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    on.go();
  });
  return url;
}

/** "Replay against the site after generating", as the user last chose. */
function replayToggle(): HTMLInputElement {
  const replay = h('input', { type: 'checkbox', id: 'replay-toggle', 'data-testid': 'replay-toggle' });
  replay.checked = replayWanted();
  replay.addEventListener('change', () => {
    rememberReplay(replay.checked);
  });
  return replay;
}

function captureOptions(replay: HTMLInputElement): HTMLElement {
  return h(
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
}

/** With a model configured: what the engineer should do with the capture, in words. */
function promptBox(on: BrowserHandlers): HTMLTextAreaElement {
  const prompt = h('textarea', {
    class: 'capture-prompt-input',
    rows: 1,
    placeholder: 'Then ask the engineer (optional), e.g. "Export every item as CSV"',
    'aria-label': 'What the engineer should do with the capture',
    'data-testid': 'capture-prompt',
  });
  prompt.addEventListener('keydown', (e) => {
    // Enter stops and generates, as the button does; Shift+Enter is a new line
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    on.promptEnter();
  });
  return prompt;
}

function recordingIndicator(): { el: HTMLElement; elapsed: HTMLElement; counter: HTMLElement } {
  const elapsed = h('span', { class: 'rec-time', 'data-testid': 'recording-time' });
  const counter = h('span', { class: 'rec-count', 'data-testid': 'recording-counter', 'aria-live': 'polite' });
  const el = h(
    'div',
    { class: 'rec', 'data-testid': 'recording-indicator', title: 'Recording every request into a HAR file' },
    h('span', { class: 'rec-dot', 'aria-hidden': 'true' }),
    h('span', { class: 'rec-label' }, 'Recording'),
    elapsed,
    counter,
  );
  return { el, elapsed, counter };
}

/** What covers the screen (null: nothing, the display shows). */
function overlayOf(s: BrowserState, on: BrowserHandlers): HTMLElement | null {
  switch (overlay(s)) {
    case 'failed':
      return failed(s.loadError, on.retry);
    case 'loading':
      return h('div', { class: 'state' }, spinner(), 'Asking the sprite about its browser…');
    case 'idle':
      return empty(
        'No browser running',
        'Type the address of a site above and press Start capture. A real Chromium opens here, inside your sprite; every request it makes is recorded into a HAR file.',
      );
    case 'stopping':
      return h('div', { class: 'state' }, spinner(), s.stage);
    case 'lost':
      return h(
        'div',
        { class: 'state error', role: 'alert' },
        h('p', null, 'The display is disconnected. The capture keeps recording.'),
        h(
          'button',
          {
            class: 'btn',
            type: 'button',
            on: { click: on.reconnect },
          },
          'Reconnect',
        ),
      );
    case 'starting':
      return h('div', { class: 'state' }, spinner(), 'Starting the browser…');
    case null:
      return null;
  }
}
