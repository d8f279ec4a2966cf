// A new run from the engineer panel: a capture of the sprite and what to do with it, in words.
// Shown when a model is configured; without one, the panel says how to configure one.

import * as api from '../api';
import { h, put } from '../dom';
import { ago } from '../format';
import type { RunRequest } from '../api';
import { composer } from './composer';

const HAR_DIR = '/workspace/har';

/** start runs the engineer and opens the run; it throws to refuse. */
export function newRunForm(spriteId: string, start: (req: RunRequest) => Promise<void>): HTMLElement {
  const select = h('select', { class: 'select', 'aria-label': 'Capture', 'data-testid': 'new-run-har' });
  const box = composer(async (prompt) => {
    if (!select.value) throw new Error('Record a site first: there is no capture to work on.');
    await start({ harPath: select.value, prompt });
  }, 'new-run');
  box.set({
    label: '',
    placeholder: 'What do you want from this site? e.g. "Export every item as CSV"',
    action: 'Start run',
    blocked: '',
  });
  const el = h(
    'div',
    { class: 'new-run card', 'data-testid': 'new-run-form' },
    h('h3', null, 'Ask the engineer'),
    h(
      'p',
      { class: 'muted small' },
      'It writes the client first, then scripts for your task, and runs them in your sprite. You can ask for changes as it goes.',
    ),
    h('label', { class: 'new-run-har' }, 'Capture ', select),
    box.el,
  );
  void (async () => {
    try {
      const files = (await api.listDir(spriteId, HAR_DIR)).entries
        .filter((f) => f.type === 'file' && f.name.endsWith('.har'))
        .sort((a, b) => b.mtime - a.mtime);
      put(
        select,
        files.map((f) => h('option', { value: `${HAR_DIR}/${f.name}` }, `${f.name} · ${ago(f.mtime)}`)),
      );
      el.hidden = files.length === 0;
    } catch {
      el.hidden = true; // no captures to list: the panel's own message says what to do
    }
  })();
  el.hidden = true;
  return el;
}
