// Small pieces every page uses: states (loading, empty, error), badges, the confirm dialog.

import { type Child, h } from './dom';

export function spinner(): HTMLElement {
  return h('span', { class: 'spinner', 'aria-hidden': 'true' });
}

export function loading(text = 'Loading…'): HTMLElement {
  return h('div', { class: 'state', role: 'status' }, spinner(), text);
}

export function empty(title: string, detail?: Child, action?: Child): HTMLElement {
  return h(
    'div',
    { class: 'state empty' },
    h('p', { class: 'state-title' }, title),
    detail ? h('p', { class: 'muted' }, detail) : null,
    action,
  );
}

/** An error with its message, and a Retry button when retry is given. */
export function failed(message: string, retry?: () => void): HTMLElement {
  return h(
    'div',
    { class: 'state error', role: 'alert' },
    h('p', null, message),
    retry ? h('button', { class: 'btn', type: 'button', on: { click: retry } }, 'Retry') : null,
  );
}

const STATE_TONES: Record<string, string> = {
  running: 'ok',
  complete: 'ok',
  warm: 'warm',
  idle: 'neutral',
  cold: 'cold',
  error: 'bad',
  failed: 'bad',
};

/** A state or status as a coloured pill. */
export function badge(state: string, testid?: string): HTMLElement {
  return h('span', { class: `badge tone-${STATE_TONES[state] ?? 'neutral'}`, 'data-testid': testid }, state);
}

/** Disables the button while work runs, showing label instead of its text. */
export async function busy<T>(button: HTMLButtonElement, label: string, work: () => Promise<T>) {
  const text = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.replaceChildren(spinner(), label);
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = text;
  }
}

export interface ConfirmOptions {
  title: string;
  body: Child;
  confirm: string;
  danger?: boolean;
}

/** A modal question; resolves true when confirmed. Escape and Cancel say no. */
export function confirmDialog(o: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const answer = (yes: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(yes);
    };
    const cancel = h(
      'button',
      {
        class: 'btn',
        type: 'button',
        'data-testid': 'confirm-cancel',
        on: {
          click: () => {
            answer(false);
          },
        },
      },
      'Cancel',
    );
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h('h2', { id: 'dialog-title' }, o.title),
      h('div', { class: 'dialog-body' }, o.body),
      h(
        'div',
        { class: 'dialog-actions' },
        cancel,
        h(
          'button',
          {
            class: `btn ${o.danger ? 'danger' : 'primary'}`,
            type: 'button',
            'data-testid': 'confirm-ok',
            on: {
              click: () => {
                answer(true);
              },
            },
          },
          o.confirm,
        ),
      ),
    );
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      answer(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus(); // the safe answer is the default
  });
}

/** A column's heading: its text, and "num" for a column of numbers (right-aligned). */
export type Heading = string | { text: string; num: true };

/** A table in its scrolling wrapper: the headings, then the rows (already made). */
export function dataTable(o: { testid: string; compact?: boolean; head: Heading[] }, rows: Child[]): HTMLElement {
  const th = (x: Heading) =>
    typeof x === 'string' ? h('th', { scope: 'col' }, x) : h('th', { scope: 'col', class: 'num' }, x.text);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: o.compact ? 'table compact' : 'table', 'data-testid': o.testid },
      h('thead', null, h('tr', null, o.head.map(th))),
      h('tbody', null, rows),
    ),
  );
}
