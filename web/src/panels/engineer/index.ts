// The engineer panel. A deterministic run: its live progress, then what it made — the endpoints
// table, the generated files in Monaco (one tab each), downloads, the replay result; or why it
// failed. An AI run is a chat (engineer/chat.ts, chatview.ts): the person's messages and the
// model's answers, its tool calls, a meter of tokens and cost, Stop, a box for the next message
// and "start from this run"; the files it writes open in their tabs as they come.
// Its state is state.ts (derived.ts: what follows from it), its calls to the server api.ts, its
// drawing view.ts and draw.ts; this file follows a run and does what the person asks.

import { messageOf, type RunRequest } from '../../api';
import { chatView } from '../../engineer/chatview';
import { codeTabs } from '../../engineer/codetabs';
import { composer } from '../../engineer/composer';
import { newRunForm } from '../../engineer/newrun';
import { stageList } from '../../engineer/stages';
import { knownLlm, llmState, onLlmChange, refreshLlm } from '../../llm';
import type { EngineerEvent, Run } from '../../types';
import { busy, failed, loading } from '../../ui';
import { engineerApi, notRunning, readEndpoints } from './api';
import { clientStatus } from './derived';
import { runsPage } from './draw';
import {
  afterDrop,
  applyRecord,
  askEndpoints,
  backlog,
  type Effects,
  goOn,
  isLive,
  LOST_STREAM,
  newRun,
  type RunState,
  takeEvent,
} from './state';
import { engineerView } from './view';

export interface EngineerPanel {
  el: HTMLElement;
  /** Opens run runId (null: none, the list of past runs). */
  show(runId: string | null): void;
  dispose(): void;
}

/** start runs the engineer (a new run) and opens it; it throws when it cannot. */
export function engineerPanel(spriteId: string, start: (req: RunRequest) => Promise<void>): EngineerPanel {
  const calls = engineerApi(spriteId);
  const code = codeTabs(spriteId);
  const chat = chatView({
    openFile: (path) => {
      if (run && code.files().includes(path)) code.select(path);
    },
    stages: (stages, live) => stageList(stages, live, clientStatus(stages, run?.status ?? 'error')),
  });
  // the next message: a follow-up, or a new run on the same capture from this run's scripts
  const box = composer((text) => (run?.fresh ? start({ fromRun: run.id, prompt: text }) : followUp(text)));
  const v = engineerView(spriteId, { code, chat, box }, { cancel: (r, b) => void cancel(r, b), fresh: setFresh });

  let run: RunState | null = null;
  let closeStream: (() => void) | null = null;
  let retry = 0;
  let generation = 0; // bumps on every show(): late answers for an older run are dropped
  let frame = 0; // a render is asked for the next frame

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
    v.reset();
    if (!runId) {
      void listRuns();
      return;
    }
    run = newRun(runId);
    code.reset(runId, run.dir);
    chat.reset();
    v.show(loading('Loading the run…'));
    void load(run, generation);
  }

  /** No run open: a new one (with a model), and this sprite's past runs. */
  async function listRuns(): Promise<void> {
    const g = generation;
    v.show(loading('Loading the runs…'));
    try {
      const [runs, llm] = await Promise.all([calls.runs(), llmState().catch(() => null)]);
      if (g !== generation) return;
      v.show(runsPage(spriteId, runs, llm, llm?.configured ? newRunForm(spriteId, start) : null));
    } catch (e) {
      if (g === generation) v.show(failed(messageOf(e), () => void listRuns()));
    }
  }

  /** What the page does with the run's files after a record or an event. */
  function effect(r: RunState, fx: Effects, g: number): void {
    if (fx.dir) code.setDir(fx.dir);
    for (const f of fx.files) code.add(f.path, f.content);
    if (fx.select) code.select(fx.select);
    if (fx.endpoints) void finish(r, g);
  }

  const apply = (r: RunState, info: Run, g: number) => {
    effect(r, applyRecord(r, info), g);
  };

  async function load(r: RunState, g: number): Promise<void> {
    let info: Run;
    try {
      info = await calls.run(r.id);
    } catch (e) {
      if (g === generation) v.show(failed(`Cannot open run ${r.id}: ${messageOf(e)}`, () => void load(r, g)));
      return;
    }
    if (g !== generation) return;
    apply(r, info, g);
    listen(r, g, 0);
  }

  /** Follows the run's stream: its backlog (stages, code, the conversation) even when the run
   * is over, then what comes. A stream opened again sends the backlog again: what was taken is
   * skipped. When it drops, a live run is followed again; a finished one is read from its files. */
  function listen(r: RunState, g: number, failures: number): void {
    render();
    const judge = backlog(r);
    closeStream = calls.stream(
      r.id,
      (e) => {
        if (g !== generation) return;
        const verdict = judge(JSON.stringify(e));
        if (verdict === 'old') return;
        if (verdict === 'cut') chat.reset(); // not the backlog we have: this stream is taken whole
        take(r, e, g);
      },
      (end) => {
        closeStream = null;
        if (g !== generation) return;
        if (!isLive(r)) {
          ended(r, g);
          void refreshLlm().catch(() => undefined); // the budget's spent part moved
          return;
        }
        // no end event: the stream dropped (or the process ended without a word): ask the record
        const next = afterDrop(failures, end.events);
        if (!next) {
          r.error = LOST_STREAM;
          render();
          return;
        }
        retry = window.setTimeout(() => void reload(r, g, next.failures), next.delay);
      },
    );
  }

  /** The run is over: a complete one's endpoints are read (once). */
  function ended(r: RunState, g: number): void {
    if (r.status === 'complete' && askEndpoints(r)) void finish(r, g);
    render();
  }

  /** The run's state again, then its stream again while it runs. */
  async function reload(r: RunState, g: number, failures: number): Promise<void> {
    try {
      const info = await calls.record(r.id);
      if (g !== generation) return;
      apply(r, info, g);
      if (!isLive(r)) {
        ended(r, g);
        return;
      }
    } catch {
      // the server is away: the banner says so; try the stream again
    }
    if (g === generation) listen(r, g, failures);
  }

  function take(r: RunState, e: EngineerEvent, g: number): void {
    effect(r, takeEvent(r, e), g);
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

  /** The client is written: its endpoints, from its files. */
  async function finish(r: RunState, g: number): Promise<void> {
    try {
      r.endpoints = await readEndpoints((path) => code.text(path));
    } catch (e) {
      r.endpoints = `No endpoints table: ${messageOf(e)}`;
    }
    if (g === generation) render();
  }

  // ---- what the person does ----

  /** A follow-up in the run's conversation: the run goes on, its stream is followed again. */
  async function followUp(text: string): Promise<void> {
    const r = run;
    if (!r) return;
    const g = generation;
    await calls.message(r.id, text);
    if (g !== generation) return;
    stopStream();
    goOn(r);
    r.chat.answering = true;
    listen(r, g, 0);
  }

  async function cancel(r: RunState, button: HTMLButtonElement): Promise<void> {
    const g = generation;
    await busy(button, 'Stopping…', async () => {
      try {
        const info = await calls.cancel(r.id);
        if (g !== generation) return;
        apply(r, info, g);
      } catch (e) {
        // it ended by itself meanwhile: the stream says how
        if (!notRunning(e)) r.error = `Cannot stop the run: ${messageOf(e)}`;
      }
    });
    if (g === generation) render();
  }

  function setFresh(r: RunState, fresh: boolean): void {
    r.fresh = fresh;
    render();
    box.focus();
  }

  function render(): void {
    if (run) v.render(run, knownLlm());
  }

  return {
    el: v.el,
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
