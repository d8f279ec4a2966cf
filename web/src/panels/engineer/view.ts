// The engineer panel drawn from a run's state: a deterministic run's progress, result, endpoints
// and files one under the other; an AI run's chat beside its endpoints and files, with the meter,
// Stop and "start from this run" in its head. The chat, the files' tabs and the message box are
// made by the panel (index.ts) and laid out here.

import { type Child, h, put } from '../../dom';
import type { ChatView } from '../../engineer/chatview';
import type { CodeTabs } from '../../engineer/codetabs';
import type { Composer } from '../../engineer/composer';
import { stageList } from '../../engineer/stages';
import type { LlmState } from '../../types';
import { composerMode, endpointsBody, meter, replayResult, runHref, title } from './draw';
import { endpointsShown, firstFile, footerOf, layoutOf, meterUsage } from './derived';
import { isLive, type RunState } from './state';

export interface EngineerHandlers {
  /** Stop pressed (the button shows it is stopping). */
  cancel: (r: RunState, button: HTMLButtonElement) => void;
  /** "Start from this run" on or off. */
  fresh: (r: RunState, on: boolean) => void;
}

export interface EngineerView {
  el: HTMLElement;
  /** Shows children in place of a run (loading, a failure, the past runs). */
  show(...children: Child[]): void;
  /** No run is drawn: the next render lays the panel out again. */
  reset(): void;
  render(r: RunState, llm: LlmState | null): void;
}

export function engineerView(
  spriteId: string,
  parts: { code: CodeTabs; chat: ChatView; box: Composer },
  on: EngineerHandlers,
): EngineerView {
  const { code, chat, box } = parts;
  const el = h('section', { class: 'panel engineer', 'aria-label': 'Engineer' });
  const head = h('div', { class: 'run-head' });
  const progress = h('div', { class: 'run-progress', 'data-testid': 'engineer-progress' });
  const result = h('div', { class: 'run-result' });
  const endpointsBox = h('div', { class: 'endpoints-body' });
  const endpointsCount = h('span');
  const endpoints = h(
    'details',
    { class: 'endpoints', open: true },
    h('summary', null, 'Endpoints', endpointsCount),
    endpointsBox,
  );
  const note = h('p', { class: 'llm-note muted small', 'data-testid': 'llm-how' });
  const footer = h('div', { class: 'run-footer' }, box.el, note);
  // an AI run: the chat (and the box under it) beside the files
  const talk = h('div', { class: 'chat-column' }, chat.el, footer);
  const work = h('div', { class: 'code-column' }, endpoints, code.el);
  const chatLayout = h('div', { class: 'chat-layout' }, talk, work);
  let layout: 'none' | 'plain' | 'chat' = 'none';

  function lay(want: 'plain' | 'chat'): void {
    if (layout === want) return;
    layout = want;
    if (want === 'chat') {
      endpoints.open = false; // the chat comes first; the table is one click away
      put(el, head, chatLayout);
      el.classList.add('is-chat');
    } else {
      put(el, head, progress, result, endpoints, code.el, footer);
      el.classList.remove('is-chat');
    }
  }

  function renderPlain(r: RunState): void {
    put(head, title(r));
    put(progress, stageList(r.stages, isLive(r), r.status));
    put(
      result,
      r.error
        ? h(
            'div',
            { class: 'state error', role: 'alert', 'data-testid': 'run-error' },
            h('p', { class: 'state-title' }, 'The engineer failed'),
            h('p', null, r.error),
          )
        : null,
      replayResult(r),
      r.usage ? h('p', { class: 'muted small' }, `Model usage: ${r.usage}`) : null,
    );
  }

  function renderChat(r: RunState, llm: LlmState | null): void {
    const live = isLive(r);
    put(
      head,
      title(r),
      r.fromRun
        ? h(
            'span',
            { class: 'muted small' },
            'from ',
            h('a', { href: runHref(spriteId, r.fromRun) }, h('code', null, r.fromRun)),
          )
        : null,
      h('span', { class: 'spacer' }),
      meter(meterUsage(r)),
      live && r.status !== 'loading' ? stopButton(r) : null,
      !live && llm?.configured ? freshButton(r) : null,
    );
    chat.render(r.chat, live);
    // an error outside the conversation (the stream lost, a stop refused)
    if (r.error && !r.chat.items.some((i) => i.kind === 'error')) {
      put(result, h('div', { class: 'state error', role: 'alert', 'data-testid': 'run-error' }, h('p', null, r.error)));
      if (!talk.contains(result)) talk.insertBefore(result, footer);
    } else {
      result.remove();
    }
  }

  function stopButton(r: RunState): HTMLButtonElement {
    const stop = h(
      'button',
      {
        class: 'btn small danger-text',
        type: 'button',
        'data-testid': 'run-stop',
        title: 'Stop the engineer: its commands end, what it wrote stays',
      },
      '■ Stop',
    );
    stop.addEventListener('click', () => {
      on.cancel(r, stop);
    });
    return stop;
  }

  function freshButton(r: RunState): HTMLButtonElement {
    const again = h(
      'button',
      {
        class: 'btn small',
        type: 'button',
        'aria-pressed': String(r.fresh),
        'data-testid': 'run-from',
        title: 'A new run on the same capture, starting from the scripts of this one',
      },
      'Start from this run',
    );
    again.addEventListener('click', () => {
      on.fresh(r, !r.fresh);
    });
    return again;
  }

  function renderFooter(r: RunState, llm: LlmState | null): void {
    const f = footerOf(r, llm);
    box.el.hidden = f.boxHidden;
    note.hidden = f.noteHidden;
    note.textContent = f.note;
    box.set(
      composerMode(f, r.ai, () => {
        on.fresh(r, false);
      }),
    );
  }

  function render(r: RunState, llm: LlmState | null): void {
    lay(layoutOf(r));
    if (r.ai) renderChat(r, llm);
    else renderPlain(r);
    renderFooter(r, llm);
    endpoints.hidden = !endpointsShown(r);
    endpointsCount.textContent = Array.isArray(r.endpoints) ? ` (${r.endpoints.length})` : '';
    put(endpointsBox, endpointsBody(r.endpoints));
    code.zip.hidden = r.status !== 'complete';
    code.render(firstFile);
  }

  return {
    el,
    show: (...children) => {
      put(el, ...children);
    },
    reset: () => {
      layout = 'none';
    },
    render,
  };
}
