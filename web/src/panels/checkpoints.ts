// The checkpoints panel: the sprite's checkpoints, newest first; Create with a comment; Restore,
// after a confirmation that says what is lost.

import * as api from '../api';
import type { Bus } from '../bus';
import { h, put } from '../dom';
import { ago, bytes, plural, when } from '../format';
import type { Checkpoint } from '../types';
import { busy, confirmDialog, empty, failed, loading } from '../ui';

export interface CheckpointsPanel {
  el: HTMLElement;
  refresh(): void;
}

export function checkpointsPanel(spriteId: string, bus: Bus): CheckpointsPanel {
  const comment = h('input', {
    id: 'checkpoint-comment',
    type: 'text',
    maxlength: 200,
    placeholder: 'What this state is, e.g. “signed in, two notes”',
    'data-testid': 'checkpoint-comment',
  });
  const create = h(
    'button',
    { class: 'btn primary', type: 'submit', 'data-testid': 'checkpoint-create' },
    'Create checkpoint',
  );
  const message = h('div', { class: 'form-message', role: 'status' });
  const form = h(
    'form',
    { class: 'inline-form' },
    h('label', { for: 'checkpoint-comment', class: 'sr-only' }, 'Comment'),
    comment,
    create,
  );
  const list = h('div', { class: 'list-box' });
  const el = h(
    'section',
    { class: 'panel checkpoints', 'aria-label': 'Checkpoints' },
    h(
      'p',
      { class: 'muted small' },
      'A checkpoint keeps the whole workspace (HAR files, scripts, the browser profile). Restoring one brings it back in a moment.',
    ),
    form,
    message,
    list,
  );

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(create, 'Creating…', async () => {
      try {
        const k = await api.createCheckpoint(spriteId, comment.value.trim());
        comment.value = '';
        message.textContent = `Checkpoint created (${bytes(k.bytes)}).`;
        await refresh();
      } catch (err) {
        message.textContent = `The checkpoint failed: ${api.messageOf(err)}`;
      }
    });
  });

  async function restore(k: Checkpoint, button: HTMLButtonElement): Promise<void> {
    const yes = await confirmDialog({
      title: 'Restore this checkpoint?',
      body: [
        h(
          'p',
          null,
          'The workspace goes back to how it was ',
          h('strong', null, when(k.time)),
          k.comment ? [' (', h('em', null, k.comment), ')'] : null,
          '.',
        ),
        h(
          'ul',
          null,
          h(
            'li',
            null,
            'Every change in ',
            h('code', null, '/workspace'),
            ' since then is lost: newer HAR files, generated scripts and other files.',
          ),
          h('li', null, 'The browser and any process running in the sprite are stopped; a capture in progress ends.'),
        ),
        h('p', { class: 'muted' }, 'Create a checkpoint first to keep the current state.'),
      ],
      confirm: 'Restore',
      danger: true,
    });
    if (!yes) return;
    await busy(button, 'Restoring…', async () => {
      try {
        await api.restoreCheckpoint(spriteId, k.id);
        message.textContent = `Restored the checkpoint of ${when(k.time)}.`;
        bus.emit('files', 'browser', 'sprite');
        await refresh();
      } catch (err) {
        message.textContent = `The restore failed: ${api.messageOf(err)}`;
      }
    });
  }

  function row(k: Checkpoint): HTMLElement {
    const button = h('button', { class: 'btn small', type: 'button', 'data-testid': 'checkpoint-restore' }, 'Restore');
    button.addEventListener('click', () => void restore(k, button));
    return h(
      'li',
      { class: 'checkpoint', 'data-testid': 'checkpoint-row', 'data-id': k.id },
      h(
        'div',
        { class: 'checkpoint-main' },
        h(
          'div',
          null,
          h('span', { class: 'checkpoint-time', title: new Date(k.time * 1000).toLocaleString() }, when(k.time)),
          h('span', { class: 'muted' }, ` · ${ago(k.time)}`),
        ),
        h(
          'div',
          { class: 'checkpoint-comment' },
          k.comment || h('span', { class: 'muted' }, 'no comment'),
          k.automatic ? h('span', { class: 'chip' }, 'automatic') : null,
        ),
        h(
          'div',
          { class: 'muted small' },
          `${bytes(k.bytes)} · ${plural(k.files, 'file')}`,
          k.added ? ` · ${bytes(k.added)} new` : '',
        ),
      ),
      button,
    );
  }

  async function refresh(): Promise<void> {
    if (!list.firstChild) put(list, loading('Loading the checkpoints…'));
    try {
      const all = (await api.checkpoints(spriteId)).checkpoints;
      put(
        list,
        all.length
          ? h('ul', { class: 'rows', 'data-testid': 'checkpoint-list' }, all.map(row))
          : empty('No checkpoints yet', 'One is made each time a capture stops; create one now to keep this state.'),
      );
    } catch (e) {
      put(
        list,
        failed(api.messageOf(e), () => void refresh()),
      );
    }
  }

  bus.on('checkpoints', () => void refresh());
  void refresh();
  return { el, refresh: () => void refresh() };
}
