// The box for a message to the engineer: Enter sends, Shift+Enter starts a new line; it grows
// with its text. What it sends to (the run's conversation, or a new run from this one) is the
// panel's; a refusal (over budget, a run already going) shows under it and the text stays.

import * as api from '../api';
import { h, put } from '../dom';
import { spinner } from '../ui';

export interface ComposerMode {
  /** Above the box: what a message does here ("" for nothing). */
  label: string;
  placeholder: string;
  /** The button's text. */
  action: string;
  /** Sending is not possible now (the run is going): the box still takes text. */
  blocked: string;
  /** A way out of this mode (e.g. back to the conversation), when there is one. */
  leave?: { text: string; fn: () => void };
}

export interface Composer {
  el: HTMLElement;
  set(mode: ComposerMode): void;
  focus(): void;
}

const MAX_ROWS = 8;

/** send throws to refuse (its message is shown); on success the box is emptied. */
export function composer(send: (text: string) => Promise<void>, testid = 'composer'): Composer {
  const label = h('div', { class: 'composer-label' });
  const box = h('textarea', {
    class: 'composer-input',
    rows: 1,
    'aria-label': 'Message to the engineer',
    'data-testid': `${testid}-input`,
  });
  const button = h('button', { class: 'btn primary', type: 'button', 'data-testid': `${testid}-send` }, 'Send');
  const message = h('div', { class: 'composer-message', role: 'alert', 'data-testid': `${testid}-error` });
  const hint = h('span', { class: 'composer-hint muted small' }, 'Enter sends · Shift+Enter for a new line');
  const el = h(
    'div',
    { class: 'composer', 'data-testid': testid },
    label,
    h('div', { class: 'composer-row' }, box, button),
    h('div', { class: 'composer-foot' }, message, hint),
  );
  let mode: ComposerMode = { label: '', placeholder: '', action: 'Send', blocked: '' };
  let sending = false;

  function grow(): void {
    box.style.height = 'auto';
    const line = parseFloat(getComputedStyle(box).lineHeight) || 20;
    const pad = box.offsetHeight - box.clientHeight + 12;
    box.style.height = `${Math.min(box.scrollHeight, line * MAX_ROWS + pad)}px`;
  }

  function update(): void {
    const empty = !box.value.trim();
    button.disabled = sending || empty || !!mode.blocked;
    button.title = mode.blocked || (empty ? 'Type a message first' : '');
  }

  async function submit(): Promise<void> {
    const text = box.value.trim();
    if (!text || sending || mode.blocked) return;
    sending = true;
    message.textContent = '';
    put(button, spinner(), 'Sending…');
    update();
    try {
      await send(text);
      box.value = '';
      grow();
    } catch (e) {
      message.textContent = api.messageOf(e);
    } finally {
      sending = false;
      put(button, mode.action);
      update();
    }
  }

  box.addEventListener('input', () => {
    grow();
    update();
  });
  box.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    void submit();
  });
  button.addEventListener('click', () => void submit());

  return {
    el,
    set(m) {
      const changed = m.label !== mode.label;
      mode = m;
      put(
        label,
        m.label,
        m.leave
          ? h('button', { class: 'link composer-leave', type: 'button', on: { click: m.leave.fn } }, m.leave.text)
          : null,
      );
      label.hidden = !m.label;
      box.placeholder = m.blocked || m.placeholder;
      if (!sending) put(button, m.action);
      if (changed) message.textContent = '';
      update();
    },
    focus() {
      box.focus();
    },
  };
}
