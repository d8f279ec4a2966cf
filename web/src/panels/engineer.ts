// The engineer panel. A deterministic run: its live progress, then what it made — the endpoints
// table, the generated files in Monaco (one tab each), downloads, the replay result; or why it
// failed. An AI run is a chat (engineer/chat.ts, chatview.ts): the person's messages and the
// model's answers, its tool calls, a meter of tokens and cost, Stop, a box for the next message
// and "start from this run"; the files it writes open in their tabs as they come.

import * as api from '../api';
import type { RunRequest } from '../api';
import { h, put } from '../dom';
import { Chat, type Stage } from '../engineer/chat';
import { chatView } from '../engineer/chatview';
import { codeTabs } from '../engineer/codetabs';
import { composer, type ComposerMode } from '../engineer/composer';
import { endpointsOf, type Endpoint, type Model } from '../engineer/endpoints';
import { endpointsTable } from '../engineer/endpointstable';
import { newRunForm } from '../engineer/newrun';
import { stageList } from '../engineer/stages';
import { openStream } from '../engineer/stream';
import { ago, duration, plural, tokens, usd, when } from '../format';
import { knownLlm, llmState, onLlmChange, refreshLlm } from '../llm';
import type { EngineerEvent, LlmState, Run, RunUsage, Session } from '../types';
import { badge, busy, empty, failed, loading } from '../ui';

/** replay.py's last line: skipped steps are calls whose request body the HAR lacks, and steps
 * that needed a value from a skipped one. */
interface ReplayCounts {
  passed: number;
  failed: number;
  skipped: number;
}

interface RunState {
  id: string;
  dir: string; // where its files are
  status: string; // running, complete, error, cancelled
  started: number;
  ended: number;
  error: string;
  ai: boolean; // a conversation with the model, not only the deterministic client
  fromRun: string;
  recordUsage: RunUsage | null; // the record's, until the stream says more
  stages: Stage[];
  /** The replay's outcome; a message when it ran and gave none; null when it did not run. */
  replay: ReplayCounts | { message: string } | null;
  replayLog: string[]; // its lines, one per step
  replayOpen: boolean; // the log is shown
  usage: string;
  endpoints: Endpoint[] | string | null; // string: why there are none
  endpointsAsked: boolean;
  chat: Chat;
  /** The events taken so far, as sent: a stream opened again sends them first, and is skipped
   * while it does. */
  seen: string[];
  /** The next message starts a new run from this one (not a follow-up). */
  fresh: boolean;
}

const TERMINAL = new Set(['complete', 'error', 'cancelled']);

/** The server's "how" as a sentence: "No model is configured: …". */
const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

export interface EngineerPanel {
  el: HTMLElement;
  /** Opens run runId (null: none, the list of past runs). */
  show(runId: string | null): void;
  dispose(): void;
}

/** start runs the engineer (a new run) and opens it; it throws when it cannot. */
export function engineerPanel(spriteId: string, start: (req: RunRequest) => Promise<void>): EngineerPanel {
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
  const code = codeTabs(spriteId);
  const chat = chatView({
    openFile: (path) => {
      if (run && code.files().includes(path)) code.select(path);
    },
    // the client's stages ended well when they reached "engineered" (the model's part follows)
    stages: (stages, live) =>
      stageList(stages, live, stages.some((s) => s.name === 'engineered') ? 'complete' : (run?.status ?? 'error')),
  });
  const box = composer((text) => (run?.fresh ? reEngineer(run, text) : followUp(text)));
  const note = h('p', { class: 'llm-note muted small', 'data-testid': 'llm-how' });
  const footer = h('div', { class: 'run-footer' }, box.el, note);
  // an AI run: the chat (and the box under it) beside the files
  const talk = h('div', { class: 'chat-column' }, chat.el, footer);
  const work = h('div', { class: 'code-column' }, endpoints, code.el);
  const chatLayout = h('div', { class: 'chat-layout' }, talk, work);

  let run: RunState | null = null;
  let layout: 'none' | 'plain' | 'chat' = 'none';
  let closeStream: (() => void) | null = null;
  let retry = 0;
  let generation = 0; // bumps on every show(): late answers for an older run are dropped
  let frame = 0; // a render is asked for the next frame

  const sp = encodeURIComponent(spriteId);
  const stopLlm = onLlmChange(() => {
    if (run) render();
  });

  function stopStream(): void {
    closeStream?.();
    closeStream = null;
    window.clearTimeout(retry);
  }

  function show(runId: string | null): void {
    if (runId === run?.id) return;
    generation++;
    stopStream();
    run = null;
    layout = 'none';
    if (!runId) {
      void listRuns();
      return;
    }
    run = {
      id: runId,
      dir: `/workspace/scripts/${runId}`,
      status: 'loading',
      started: 0,
      ended: 0,
      error: '',
      ai: false,
      fromRun: '',
      recordUsage: null,
      stages: [],
      replay: null,
      replayLog: [],
      replayOpen: false,
      usage: '',
      endpoints: null,
      endpointsAsked: false,
      chat: new Chat(),
      seen: [],
      fresh: false,
    };
    code.reset(runId, run.dir);
    chat.reset();
    put(el, loading('Loading the run…'));
    void load(run, generation);
  }

  /** No run open: a new one (with a model), and this sprite's past runs. */
  async function listRuns(): Promise<void> {
    const g = generation;
    put(el, loading('Loading the runs…'));
    try {
      const [sessions, llm] = await Promise.all([api.sessions(), llmState().catch(() => null)]);
      const runs = sessions.sessions.filter((s) => s.kind === 'run' && s.sprite === spriteId);
      if (g !== generation) return;
      put(
        el,
        llm?.configured ? newRunForm(spriteId, start) : null,
        empty(
          'No run open',
          'Record a site and press Stop & generate: the engineer reads the HAR and writes a Python client, an OpenAPI document, a replay test and a README. A HAR in Files can be generated again.',
        ),
        llm && !llm.configured && llm.how
          ? h('p', { class: 'llm-note muted small', 'data-testid': 'llm-how' }, sentence(llm.how))
          : null,
        runs.length ? h('h3', { class: 'subhead' }, 'Past runs') : null,
        runs.length ? h('ul', { class: 'run-list' }, runs.map(runLink)) : null,
      );
    } catch (e) {
      if (g === generation)
        put(
          el,
          failed(api.messageOf(e), () => void listRuns()),
        );
    }
  }

  function runLink(s: Session): HTMLElement {
    return h(
      'li',
      null,
      h('a', { href: `/sprite/${sp}/run/${encodeURIComponent(s.id)}` }, h('code', null, s.id)),
      ' ',
      badge(s.status),
      h('span', { class: 'muted' }, ` ${ago(s.started)}`),
      s.endpoints !== undefined ? h('span', { class: 'muted' }, ` · ${plural(s.endpoints, 'endpoint')}`) : null,
    );
  }

  /** What the run's record says. */
  function apply(r: RunState, info: Run): void {
    r.status = info.status;
    if (info.scriptsDir) {
      r.dir = info.scriptsDir;
      code.setDir(r.dir);
    }
    r.started = info.started;
    r.ended = info.ended ?? 0;
    r.error = info.error ?? '';
    r.ai ||= info.ai === true;
    r.fromRun = info.fromRun ?? '';
    r.recordUsage = info.usage ?? null;
    for (const f of info.files ?? []) code.add(f);
    if (info.replay) r.replay = { ...info.replay, skipped: info.replay.skipped ?? 0 };
  }

  async function load(r: RunState, g: number): Promise<void> {
    let info: Run;
    try {
      info = (await api.run(spriteId, r.id)).run;
      if (info.ai) await llmState().catch(() => null); // the box needs to know
    } catch (e) {
      if (g === generation)
        put(
          el,
          failed(`Cannot open run ${r.id}: ${api.messageOf(e)}`, () => void load(r, g)),
        );
      return;
    }
    if (g !== generation) return;
    apply(r, info);
    listen(r, g, 0);
  }

  /** Follows the run's stream: its backlog (stages, code, the conversation) even when the run
   * is over, then what comes. A stream opened again sends the backlog again: what was taken is
   * skipped. When it drops, a live run is followed again; a finished one is read from its files. */
  function listen(r: RunState, g: number, failures: number): void {
    render();
    let at = 0; // events of this stream
    let replaying = r.seen.length > 0;
    closeStream = openStream(
      `/api/sprite/${sp}/engineer/stream?run=${encodeURIComponent(r.id)}`,
      (e) => {
        if (g !== generation) return;
        const text = JSON.stringify(e);
        if (replaying && at < r.seen.length && r.seen[at] === text) {
          at++;
          return;
        }
        if (replaying && at < r.seen.length) {
          // not the backlog we have (the server cut it): take this stream whole
          restart(r);
        }
        replaying = false;
        at++;
        r.seen.push(text);
        take(r, e, g);
      },
      (end) => {
        closeStream = null;
        if (g !== generation) return;
        if (TERMINAL.has(r.status)) {
          if (r.status === 'complete' && !r.endpointsAsked) void finish(r, g);
          render();
          void refreshLlm().catch(() => undefined); // the budget's spent part moved
          return;
        }
        // no end event: the stream dropped (or the process ended without a word): ask the record
        const lost = end.events ? 0 : failures + 1;
        if (lost >= 5) {
          r.error = 'Lost the live stream of this run. Reload the page to try again.';
          render();
          return;
        }
        retry = window.setTimeout(() => void reload(r, g, lost), end.events ? 300 : 2000);
      },
    );
  }

  /** Everything taken so far is forgotten (the stream sends it all again). */
  function restart(r: RunState): void {
    r.seen = [];
    r.chat = new Chat();
    r.stages = [];
    r.replayLog = [];
    chat.reset();
  }

  /** The run's state again, then its stream again while it runs. */
  async function reload(r: RunState, g: number, failures: number): Promise<void> {
    try {
      const info = (await api.run(spriteId, r.id)).run;
      if (g !== generation) return;
      apply(r, info);
      if (TERMINAL.has(r.status)) {
        if (r.status === 'complete' && !r.endpointsAsked) void finish(r, g);
        render();
        return;
      }
    } catch {
      // the server is away: the banner says so; try the stream again
    }
    if (g === generation) listen(r, g, failures);
  }

  function take(r: RunState, e: EngineerEvent, g: number): void {
    r.chat.take(e);
    if (r.chat.ai && !r.ai) r.ai = true;
    switch (e.type) {
      case 'progress': {
        const stage = { name: e.stage, message: e.message, done: e.done, total: e.total };
        const at = r.stages.findIndex((s) => s.name === e.stage);
        if (at >= 0) r.stages[at] = stage;
        else r.stages.push(stage);
        if (e.stage === 'replay') takeReplay(r, e.message, e.done, e.total);
        // an AI run's client is written: its endpoints can be read now
        if (e.stage === 'engineered' && !r.endpointsAsked) void finish(r, g);
        break;
      }
      case 'code': {
        code.add(e.path, e.content);
        // a file the model wrote (its write_file call is the last item) opens as it comes; the
        // client's files wait for the end, where api_client.py is chosen
        const last = r.chat.items[r.chat.items.length - 1];
        if (last?.kind === 'tool' && last.tool === 'write_file') code.select(e.path);
        break;
      }
      case 'usage':
        r.usage = [
          `${e.input_tokens.toLocaleString()} tokens in`,
          `${e.output_tokens.toLocaleString()} out`,
          typeof e.cost_usd === 'number' ? `$${e.cost_usd.toFixed(4)}` : '',
        ]
          .filter(Boolean)
          .join(' · ');
        break;
      case 'message':
        if (e.role === 'user' && TERMINAL.has(r.status)) {
          // a follow-up: the run goes on
          r.status = 'running';
          r.error = '';
          r.ended = 0;
        }
        break;
      case 'complete':
        // asked to replay, but it said no result (replay.py did not start, or crashed)
        if (!r.replay && r.stages.some((s) => s.name === 'replay')) {
          r.replay = { message: r.stages.find((s) => s.name === 'replay')?.message ?? 'no result' };
        }
        r.status = 'complete';
        // an AI run's complete names its scripts folder; its files are relative to the run's
        if (!r.ai && e.scripts_dir) {
          r.dir = e.scripts_dir;
          code.setDir(r.dir);
        }
        r.ended ||= Date.now() / 1000;
        for (const f of e.files) code.add(f);
        if (!r.endpointsAsked) void finish(r, g);
        break;
      case 'error':
        r.status = e.kind === 'cancelled' ? 'cancelled' : 'error';
        r.ended ||= Date.now() / 1000;
        r.error = e.kind ? `${e.message} (${e.kind})` : e.message;
        break;
      case 'tool':
        break;
    }
    later();
  }

  /** Renders at the next frame: a streamed answer's pieces come many to a frame. */
  function later(): void {
    if (frame) return;
    frame = window.requestAnimationFrame(() => {
      frame = 0;
      render();
    });
  }

  /** A replay progress line: the first says it starts, then one per step (or what went wrong),
   * then the result: "N passed, M failed, K skipped" with total = N+M+K (runs of older servers
   * said "N passed, M failed", total = N+M). */
  function takeReplay(r: RunState, message: string, done: number, total: number): void {
    const m = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/.exec(message);
    const failed = Number(m?.[2]);
    const skipped = Number(m?.[3] ?? 0);
    if (m && Number(m[1]) === done && total === done + failed + skipped) r.replay = { passed: done, failed, skipped };
    else r.replayLog.push(message);
  }

  /** The client is written: its endpoints from openapi.json and model.json (README.md for a run
   * made before model.json). */
  async function finish(r: RunState, g: number): Promise<void> {
    r.endpointsAsked = true;
    try {
      const [spec, model] = await Promise.all([code.text('openapi.json'), code.text('model.json').catch(() => '')]);
      const readme = model ? '' : await code.text('README.md').catch(() => '');
      r.endpoints = endpointsOf(
        JSON.parse(spec) as Parameters<typeof endpointsOf>[0],
        model ? (JSON.parse(model) as Model) : null,
        readme,
      );
    } catch (e) {
      r.endpoints = `No endpoints table: ${api.messageOf(e)}`;
    }
    if (g === generation) render();
  }

  // ---- what the person does ----

  /** A follow-up in the run's conversation: the run goes on, its stream is followed again. */
  async function followUp(text: string): Promise<void> {
    const r = run;
    if (!r) return;
    const g = generation;
    await api.runMessage(spriteId, r.id, text);
    if (g !== generation) return;
    stopStream();
    r.status = 'running';
    r.error = '';
    r.ended = 0;
    r.chat.answering = true;
    listen(r, g, 0);
  }

  /** A new run on the same capture, from this run's scripts. */
  async function reEngineer(r: RunState, prompt: string): Promise<void> {
    await start({ fromRun: r.id, prompt });
  }

  async function cancel(r: RunState, button: HTMLButtonElement): Promise<void> {
    const g = generation;
    await busy(button, 'Stopping…', async () => {
      try {
        const info = (await api.runCancel(spriteId, r.id)).run;
        if (g !== generation) return;
        apply(r, info);
      } catch (e) {
        // it ended by itself meanwhile: the stream says how
        if (!(e instanceof api.ApiError && e.code === 'not_running'))
          r.error = `Cannot stop the run: ${api.messageOf(e)}`;
      }
    });
    if (g === generation) render();
  }

  function setFresh(r: RunState, fresh: boolean): void {
    r.fresh = fresh;
    render();
    box.focus();
  }

  // ---- drawing ----

  function render(): void {
    if (!run) return;
    const r = run;
    const want = r.ai ? 'chat' : 'plain';
    if (layout !== want) {
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
    if (r.ai) renderChat(r);
    else renderPlain(r);
    renderFooter(r);
    endpoints.hidden = !(r.status === 'complete' || (r.ai && r.endpoints !== null));
    renderEndpoints(r);
    code.zip.hidden = r.status !== 'complete';
    // the client first: it is what the user came for
    code.render((files) => (files.includes('api_client.py') ? 'api_client.py' : (files[0] ?? '')));
  }

  function title(r: RunState): HTMLElement[] {
    return [
      h('h3', null, 'Run ', h('code', null, r.id)),
      badge(r.status, 'run-status'),
      r.started ? h('span', { class: 'muted', title: when(r.started) }, ago(r.started)) : h('span'),
      r.ended && r.started ? h('span', { class: 'muted' }, `took ${duration(r.ended - r.started)}`) : h('span'),
    ];
  }

  function renderPlain(r: RunState): void {
    const live = !TERMINAL.has(r.status);
    put(head, title(r));
    put(progress, stageList(r.stages, live, r.status));
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
      r.replay ? replayResult(r) : null,
      r.usage ? h('p', { class: 'muted small' }, `Model usage: ${r.usage}`) : null,
    );
  }

  function renderChat(r: RunState): void {
    const live = !TERMINAL.has(r.status);
    const llm = knownLlm();
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
    stop.addEventListener('click', () => void cancel(r, stop));
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
      setFresh(r, !r.fresh);
    });
    put(
      head,
      title(r),
      r.fromRun
        ? h(
            'span',
            { class: 'muted small' },
            'from ',
            h('a', { href: `/sprite/${sp}/run/${encodeURIComponent(r.fromRun)}` }, h('code', null, r.fromRun)),
          )
        : null,
      h('span', { class: 'spacer' }),
      meter(r),
      live && r.status !== 'loading' ? stop : null,
      !live && llm?.configured ? again : null,
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

  /** Tokens and cost of the run so far: the stream's totals, else the record's. */
  function meter(r: RunState): HTMLElement {
    const u =
      r.chat.usage ??
      (r.recordUsage && {
        input: r.recordUsage.inputTokens,
        output: r.recordUsage.outputTokens,
        cacheRead: r.recordUsage.cacheReadTokens,
        cacheWrite: r.recordUsage.cacheWriteTokens,
        cost: r.recordUsage.costUsd,
      });
    if (!u) return h('span', { class: 'meter muted small', 'data-testid': 'run-meter' }, 'no model answer yet');
    const all = u.input + u.output + u.cacheRead + u.cacheWrite;
    const detail = `${u.input.toLocaleString()} input, ${u.output.toLocaleString()} output, ${u.cacheRead.toLocaleString()} cache read, ${u.cacheWrite.toLocaleString()} cache write tokens`;
    return h(
      'span',
      {
        class: 'meter',
        'data-testid': 'run-meter',
        'data-cost': u.cost ?? '',
        'data-tokens': all,
        title: `${detail}${u.cost === null ? "; the model's price is not known" : ''}`,
      },
      h('span', { class: 'meter-tokens' }, `${tokens(all)} tokens`),
      h('span', { class: 'meter-cost' }, u.cost === null ? 'cost unknown' : usd(u.cost)),
    );
  }

  function renderFooter(r: RunState): void {
    const llm: LlmState | null = knownLlm();
    const live = !TERMINAL.has(r.status);
    const can = llm?.configured === true;
    // a deterministic run can be taken on by the model: "start from this run" is its only mode
    const fresh = r.fresh || !r.ai;
    box.el.hidden = !can || (!r.ai && live);
    note.hidden = can || !llm?.how;
    note.textContent = llm?.how ? sentence(llm.how) : '';
    const mode: ComposerMode = fresh
      ? {
          label: r.ai
            ? 'A new run on the same capture, starting from the scripts of this one.'
            : 'Ask the engineer for a task on this capture: a new run starts from these files.',
          placeholder: 'What should the new run do?',
          action: 'Start run',
          blocked: '',
          leave: r.ai
            ? {
                text: 'Back to this conversation',
                fn: () => {
                  setFresh(r, false);
                },
              }
            : undefined,
        }
      : {
          label: '',
          placeholder: 'Ask for a change, or for something else…',
          action: 'Send',
          blocked: live ? 'The engineer is working… (Stop interrupts it)' : '',
        };
    box.set(mode);
  }

  /** "Replay: N passed, N failed, N skipped", and its steps behind a disclosure. */
  function replayResult(r: RunState): HTMLElement | null {
    const res = r.replay;
    if (!res) return null;
    const counted = 'passed' in res;
    const ok = counted && res.failed === 0;
    const line = h(
      'span',
      {
        'data-testid': 'replay-result',
        title: 'replay.py sent the captured requests to the site again through the client',
      },
      'Replay: ',
      counted ? `${res.passed} passed, ${res.failed} failed, ${res.skipped} skipped` : res.message,
    );
    if (!r.replayLog.length) return h('p', { class: `replay ${ok ? 'is-ok' : 'is-bad'}` }, line);
    const box = h(
      'details',
      { class: `replay ${ok ? 'is-ok' : 'is-bad'}`, open: r.replayOpen },
      h('summary', null, line),
      h('pre', { class: 'replay-log' }, r.replayLog.join('\n')),
    );
    box.addEventListener('toggle', () => {
      r.replayOpen = box.open;
    });
    return box;
  }

  function renderEndpoints(r: RunState): void {
    endpointsCount.textContent = Array.isArray(r.endpoints) ? ` (${r.endpoints.length})` : '';
    if (r.endpoints === null) {
      put(endpointsBox, loading('Reading openapi.json…'));
    } else if (typeof r.endpoints === 'string') {
      put(endpointsBox, failed(r.endpoints));
    } else if (!r.endpoints.length) {
      put(
        endpointsBox,
        empty(
          'No API endpoints found',
          'The capture had no API traffic the engineer could use: only pages, assets or trackers.',
        ),
      );
    } else {
      put(endpointsBox, endpointsTable(r.endpoints));
    }
  }

  return {
    el,
    show,
    dispose() {
      generation++;
      stopStream();
      stopLlm();
      window.cancelAnimationFrame(frame);
      code.dispose();
    },
  };
}
