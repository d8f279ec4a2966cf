// The chat of an AI run drawn from its Chat (chat.ts): the person's messages on the right, the
// model's answers on the left, each tool call one line that opens to its input and output. Only
// the items that changed are drawn again, so a streamed answer does not redraw the rest, and an
// opened tool call stays open. The view follows the end while the reader is at the end.

import { type Child, h, put } from '../dom';
import { type Chat, type Item, type Stage, toolLine, toolOutcome } from './chat';
import { spinner } from '../ui';

export interface ChatHandlers {
  /** Shows a file of the run in its tab. */
  openFile(path: string): void;
  /** The client's stages; done: they ended (the model's part began, or the run ended). */
  stages(stages: Stage[], live: boolean): Child;
}

export interface ChatView {
  el: HTMLElement;
  /** Draws what changed; live: the run goes on (the "working" line shows). */
  render(chat: Chat, live: boolean): void;
  /** Forgets what it drew (another run). */
  reset(): void;
}

export function chatView(handlers: ChatHandlers): ChatView {
  const list = h('ol', { class: 'chat-items', 'aria-label': 'The conversation' });
  const working = h('div', { class: 'chat-working', role: 'status', 'data-testid': 'chat-working' });
  const el = h(
    'div',
    { class: 'chat', 'data-testid': 'chat', 'aria-live': 'polite', 'aria-busy': 'false' },
    list,
    working,
  );
  let drawn: { stamp: string; el: HTMLElement }[] = [];
  const opened = new Set<number>(); // tool calls the reader opened, by index

  function atEnd(): boolean {
    return el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  }

  let follow = true; // the next render goes to the end (a new run, a message sent)

  function render(chat: Chat, live: boolean): void {
    // the end is followed while the reader is there; a message of the person goes there too
    const lastUser = chat.items.length > drawn.length && chat.items.slice(drawn.length).some((x) => x.kind === 'user');
    const toEnd = follow || lastUser || atEnd();
    follow = false;
    const last = chat.items.length - 1;
    chat.items.forEach((item, i) => {
      // a tool call waiting and the stages going on also change with live
      const stamp =
        item.kind === 'tool'
          ? `${item.v}:${live && chat.answering && i === last}:${item.result === null && stoppedAt(chat, i)}`
          : item.kind === 'stages'
            ? `${item.v}:${live && i === last}`
            : String(item.v);
      const old = drawn[i];
      if (old?.stamp === stamp) return;
      const node = h('li', { class: `chat-item is-${item.kind}` }, draw(item, i, chat, live));
      if (old) old.el.replaceWith(node);
      else list.append(node);
      drawn[i] = { stamp, el: node };
    });
    for (const gone of drawn.splice(chat.items.length)) gone.el.remove();
    const busy = live && chat.answering && !chat.running();
    put(
      working,
      busy ? [spinner(), chat.items[last]?.kind === 'answer' ? 'Writing…' : 'The engineer is working…'] : null,
    );
    working.hidden = !busy;
    el.setAttribute('aria-busy', String(live && chat.answering));
    if (toEnd) el.scrollTop = el.scrollHeight;
  }

  function draw(item: Item, i: number, chat: Chat, live: boolean): Child {
    switch (item.kind) {
      case 'stages': {
        const ongoing = live && i === chat.items.length - 1;
        // a follow-up writes the client again: said while it does, then left out once it did
        const again = chat.items.findIndex((x) => x.kind === 'stages') < i;
        if (again && !ongoing && item.stages.some((s) => s.name === 'engineered')) return null;
        return h('div', { class: 'chat-stages' }, handlers.stages(item.stages, ongoing));
      }
      case 'user':
        return h('div', { class: 'bubble user', 'data-testid': 'chat-user' }, item.text);
      case 'answer':
        return h('div', { class: 'bubble model', 'data-testid': 'chat-answer' }, prose(item.text));
      case 'tool':
        // only the last call can still be running; an earlier one without a result got none
        return toolItem(item, i, live && chat.answering && i === chat.items.length - 1, stoppedAt(chat, i));
      case 'note':
        return h(
          'p',
          { class: 'chat-note', 'data-stage': item.stage },
          item.stage === 'retry' ? `Retrying: ${item.text}` : item.text,
        );
      case 'done':
        return h(
          'div',
          { class: 'chat-done', 'data-testid': 'chat-done' },
          h('span', { class: 'mark ok', 'aria-hidden': 'true' }, '✓'),
          h(
            'div',
            { class: 'chat-done-body' },
            item.summary ? prose(item.summary) : h('p', null, 'Done.'),
            item.files.length
              ? h(
                  'p',
                  { class: 'chat-files' },
                  item.files.map((f) =>
                    h(
                      'button',
                      {
                        class: 'chip link',
                        type: 'button',
                        title: `Show ${f}`,
                        on: {
                          click: () => {
                            handlers.openFile(f);
                          },
                        },
                      },
                      f,
                    ),
                  ),
                )
              : null,
          ),
        );
      case 'error':
        return errorItem(item.errorKind, item.message);
    }
  }

  /** stopped: the person stopped the run during this call. */
  function toolItem(item: Item & { kind: 'tool' }, i: number, waiting: boolean, stopped: boolean): HTMLElement {
    const line = toolLine(item.tool, item.input);
    const outcome = item.result === null ? null : toolOutcome(item.tool, item.result);
    const state = outcome ? (outcome.ok ? 'ok' : 'bad') : waiting ? 'running' : stopped ? 'stopped' : 'lost';
    const status = outcome
      ? h('span', { class: `tool-outcome ${state}` }, outcome.text)
      : waiting
        ? h('span', { class: 'tool-outcome running' }, spinner(), 'running')
        : h('span', { class: `tool-outcome ${stopped ? 'stopped' : 'bad'}` }, stopped ? 'stopped' : 'no result');
    // (spaces between the parts: the line reads as one sentence, also to a screen reader)
    const summary = h(
      'summary',
      null,
      h('span', { class: 'tool-verb' }, line.verb),
      ' ',
      line.arg ? [h('code', { class: 'tool-arg', title: line.arg }, line.arg), ' '] : null,
      h('span', { class: 'tool-arrow', 'aria-hidden': 'true' }, '→'),
      ' ',
      status,
    );
    const body: Child[] = [];
    if (item.tool === 'write_file' && line.input) {
      const path = typeof line.input.path === 'string' ? line.input.path : '';
      const content = typeof line.input.content === 'string' ? line.input.content : '';
      body.push(
        h(
          'div',
          { class: 'tool-label' },
          'Wrote ',
          h('code', null, path),
          ' ',
          path
            ? h(
                'button',
                {
                  class: 'link',
                  type: 'button',
                  on: {
                    click: () => {
                      handlers.openFile(path);
                    },
                  },
                },
                'show in the editor',
              )
            : null,
        ),
        h('pre', { class: 'tool-text' }, content),
      );
    } else if (item.tool === 'run' && line.input) {
      body.push(h('div', { class: 'tool-label' }, 'Command'), h('pre', { class: 'tool-text' }, line.arg));
    } else if (item.input) {
      body.push(
        h('div', { class: 'tool-label' }, 'Input'),
        h('pre', { class: 'tool-text' }, line.input ? JSON.stringify(line.input, null, 2) : item.input),
      );
    }
    if (outcome) {
      const out = outcome.output.replace(/\n+$/u, '');
      body.push(
        h('div', { class: 'tool-label' }, item.tool === 'run' ? `Output (${outcome.text})` : 'Result'),
        out ? h('pre', { class: 'tool-text' }, out) : h('p', { class: 'muted small' }, 'no output'),
      );
    }
    const box = h(
      'details',
      {
        class: `tool is-${state}`,
        open: opened.has(i),
        'data-testid': 'chat-tool',
        'data-tool': item.tool,
        'data-state': state,
      },
      summary,
      h('div', { class: 'tool-body' }, body),
    );
    box.addEventListener('toggle', () => {
      if (box.open) opened.add(i);
      else opened.delete(i);
    });
    return box;
  }

  return {
    el,
    render,
    reset() {
      follow = true;
      drawn = [];
      opened.clear();
      put(list);
      put(working);
      working.hidden = true;
    },
  };
}

/** Whether the answer of the call at i ended with the person's stop (before any other call). */
function stoppedAt(chat: Chat, i: number): boolean {
  for (const next of chat.items.slice(i + 1)) {
    if (next.kind === 'error') return next.errorKind === 'cancelled';
    if (next.kind !== 'answer' && next.kind !== 'note') return false;
  }
  return false;
}

/** An answer that ended in an error: a stop by the person reads calmer than a failure. */
function errorItem(kind: string, message: string): HTMLElement {
  // the gateway's refusal reaches the engineer as the provider's answer: 402 budget_exceeded
  const budget = kind === 'budget' || message.includes('budget_exceeded');
  const title = kind === 'cancelled' ? 'Stopped' : budget ? 'Over budget' : 'The engineer failed';
  return h(
    'div',
    {
      class: `chat-error${kind === 'cancelled' ? ' is-stopped' : ''}`,
      role: 'alert',
      'data-testid': 'chat-error',
      'data-kind': kind,
      'data-budget': budget,
    },
    h('p', { class: 'chat-error-title' }, title),
    h('p', null, message),
  );
}

// ---- the model's words: paragraphs, lists, code blocks and `code`, **bold** (no HTML) ----

function inline(text: string): Child[] {
  const out: Child[] = [];
  const re = /`([^`\n]+)`|\*\*([^*\n]+)\*\*/gu;
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push(m[1] !== undefined ? h('code', null, m[1]) : h('strong', null, m[2] ?? ''));
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** Markdown enough for a model's answer, built as elements (never parsed as HTML). */
export function prose(text: string): HTMLElement {
  const box = h('div', { class: 'prose' });
  const lines = text.split('\n');
  let para: string[] = [];
  let items: string[] = [];
  const flush = () => {
    if (para.length) box.append(h('p', null, inline(para.join('\n'))));
    if (items.length)
      box.append(
        h(
          'ul',
          null,
          items.map((t) => h('li', null, inline(t))),
        ),
      );
    para = [];
    items = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('```')) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) code.push(lines[i] ?? '');
      box.append(h('pre', { class: 'prose-code' }, code.join('\n')));
      continue;
    }
    const item = /^\s*[-*] (.*)$/u.exec(line);
    if (item) {
      if (para.length) flush();
      items.push(item[1] ?? '');
    } else if (!line.trim()) {
      flush();
    } else {
      if (items.length) flush();
      para.push(line);
    }
  }
  flush();
  return box;
}
