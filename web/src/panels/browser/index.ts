// The browser view: the sprite's Chromium on noVNC, its URL bar and buttons, Start capture, the
// recording indicator and Stop & generate. Its state is state.ts, its calls to the server api.ts,
// its drawing view.ts; this file is what each action and answer does.

import { messageOf } from '../../api';
import type { Bus } from '../../bus';
import { llmState, onLlmChange } from '../../llm';
import type { BrowserStatus } from '../../types';
import { Display } from '../../vnc';
import { browserApi, type Command } from './api';
import { idle, isLive, newBrowserState, normalizeUrl, restart, starting, stopping, tabUrl, takeStatus } from './state';
import { browserView } from './view';

export interface BrowserPanel {
  el: HTMLElement;
  /** Asks the server again whether a capture runs (after a restore or a reconnect). */
  refresh: () => void;
  dispose: () => void;
}

/** generate runs the engineer on a HAR (and replays it against the site when replay is true;
 * with a prompt, the AI engineer does what it says), then opens the run; it throws when it
 * cannot. */
export function browserPanel(
  spriteId: string,
  bus: Bus,
  generate: (harPath: string, replay: boolean, prompt: string) => Promise<void>,
): BrowserPanel {
  const calls = browserApi(spriteId);
  const s = newBrowserState();
  let polling = false;
  const phase = () => s.phase; // what it is now, after awaits that may change it

  const v = browserView({
    command: (op) => void command(op),
    start: () => void startCapture(),
    stop: () => void stopAndGenerate(),
    go: () => {
      if (isLive(s)) void command('navigate', normalizeUrl(v.url.value));
      else if (s.phase === 'idle') void startCapture();
    },
    promptEnter: () => {
      if (s.phase === 'recording') void stopAndGenerate();
    },
    reconnect: connectDisplay,
    retry: refresh,
  });
  const render = () => {
    v.render(s);
  };

  const showPrompt = (on: boolean) => {
    s.configured = on;
    render();
  };
  llmState().then(
    (l) => {
      showPrompt(l.configured);
    },
    () => undefined,
  );
  const stopLlm = onLlmChange((l) => {
    showPrompt(l.configured);
  });

  const vnc = new Display(
    v.screen,
    (d) => {
      s.display = d;
      render();
    },
    // after a drop, reconnect only while the capture still runs
    async () => {
      if (s.phase !== 'recording') return false;
      const status = await calls.status();
      apply(status); // may end the capture here
      render();
      return status.running && phase() === 'recording';
    },
  );

  function connectDisplay(): void {
    s.display = 'connecting';
    if (s.vncPath) {
      vnc.connect(s.vncPath);
      return;
    }
    calls.vnc().then(
      (path) => {
        s.vncPath = path;
        if (s.phase === 'recording') vnc.connect(path);
      },
      (e: unknown) => {
        s.display = 'lost';
        v.say(`Cannot reach the display: ${messageOf(e)}`, true);
        render();
      },
    );
  }

  /** Takes a status answer in; connects the display once the browser has a tab. */
  function apply(status: BrowserStatus): void {
    const out = takeStatus(s, status);
    // the tab's address (the start address until Chromium answers), unless the user is typing
    const address = tabUrl(status);
    if (address && document.activeElement !== v.url && address !== v.url.value) v.url.value = address;
    if (out.ended) v.say(out.ended.text, out.ended.error);
    if (out.disconnect) vnc.disconnect();
    if (out.connect) connectDisplay();
  }

  async function poll(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      apply(await calls.status());
      s.loadError = '';
    } catch (e) {
      // while recording, a failed poll is retried by the next tick (the banner covers a lost server)
      if (s.phase === 'loading') s.loadError = `Cannot ask the sprite about its browser: ${messageOf(e)}`;
    } finally {
      polling = false;
      render();
    }
  }

  function tick(): void {
    render();
    if (isLive(s)) void poll();
  }

  function refresh(): void {
    restart(s);
    render();
    void poll();
  }

  async function startCapture(): Promise<void> {
    const address = normalizeUrl(v.url.value);
    v.url.value = address === 'about:blank' ? '' : address;
    v.say('');
    starting(s, address, Date.now() / 1000);
    render();
    try {
      s.vncPath = await calls.start(address);
      s.phase = 'recording';
      bus.emit('files', 'sprite');
      void poll();
    } catch (e) {
      idle(s);
      v.say(`The browser did not start: ${messageOf(e)}`, true);
      render();
    }
  }

  /** A URL bar or button command; retried while Chromium is still opening its first tab. */
  async function command(op: Command, address?: string): Promise<void> {
    try {
      await calls.command(op, address, () => {
        v.say('The browser is still starting…');
      });
    } catch (e) {
      v.say(messageOf(e), true);
      return;
    }
    v.say('');
    if (address) v.url.value = address;
    vnc.focus();
  }

  async function stopAndGenerate(): Promise<void> {
    v.say('');
    stopping(s);
    // the display goes with the browser: leave it first rather than see it drop (and retry)
    vnc.disconnect();
    render();
    let harPath: string;
    try {
      harPath = await calls.stop();
    } catch (e) {
      s.phase = 'recording'; // the next poll connects the display again
      v.say(`The capture did not stop: ${messageOf(e)}`, true);
      render();
      return;
    }
    bus.emit('files', 'checkpoints', 'sprite');
    s.stage = 'Starting the engineer…';
    render();
    try {
      await generate(harPath, v.replay.checked, s.configured ? v.prompt.value.trim() : '');
      v.prompt.value = '';
      v.say(`The capture is saved as ${harPath}.`);
    } catch (e) {
      v.say(`The capture is saved as ${harPath}, but the engineer did not start: ${messageOf(e)}`, true);
    } finally {
      idle(s);
      s.status = { running: false };
      render();
    }
  }

  const timer = window.setInterval(tick, 1000);
  refresh();

  return {
    el: v.el,
    refresh,
    dispose() {
      window.clearInterval(timer);
      stopLlm();
      vnc.disconnect();
    },
  };
}
