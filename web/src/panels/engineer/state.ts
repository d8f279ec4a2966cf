// The engineer panel's state: one run, from its record and its events (the conversation of an AI
// run is engineer/chat.ts's). Taking an event in changes the run and says what the page does with
// the run's files; no DOM, no calls to the server.

import { Chat, type Stage } from '../../engineer/chat';
import type { Endpoint } from '../../engineer/endpoints';
import type { EngineerEvent, Run, RunUsage } from '../../types';

/** replay.py's last line: skipped steps are calls whose request body the HAR lacks, and steps
 * that needed a value from a skipped one. */
export interface ReplayCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface RunState {
  id: string;
  dir: string; // where its files are
  status: string; // loading, then running, complete, error, cancelled
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

export const TERMINAL = new Set(['complete', 'error', 'cancelled']);

/** The run goes on (or is being loaded). */
export const isLive = (r: RunState) => !TERMINAL.has(r.status);

export function newRun(id: string): RunState {
  return {
    id,
    dir: `/workspace/scripts/${id}`,
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
}

/** What the page does with the run's files after a record or an event is taken in. */
export interface Effects {
  /** The run's files are in this folder now ('' when it did not move). */
  dir: string;
  /** Files of the run; content: its text, when the event had it. */
  files: { path: string; content?: string }[];
  /** The file to show now ('' for none). */
  select: string;
  /** The client is written: its endpoints are to be read (once: endpointsAsked is set). */
  endpoints: boolean;
}

const effects = (o: Partial<Effects> = {}): Effects => ({ dir: '', files: [], select: '', endpoints: false, ...o });

/** True the first time the endpoints are asked for. */
export function askEndpoints(r: RunState): boolean {
  if (r.endpointsAsked) return false;
  r.endpointsAsked = true;
  return true;
}

/** What the run's record says. */
export function applyRecord(r: RunState, info: Run): Effects {
  r.status = info.status;
  if (info.scriptsDir) r.dir = info.scriptsDir;
  r.started = info.started;
  r.ended = info.ended ?? 0;
  r.error = info.error ?? '';
  r.ai ||= info.ai === true;
  r.fromRun = info.fromRun ?? '';
  r.recordUsage = info.usage ?? null;
  if (info.replay) r.replay = { ...info.replay, skipped: info.replay.skipped ?? 0 };
  return effects({ dir: info.scriptsDir, files: (info.files ?? []).map((path) => ({ path })) });
}

/** The run goes on again (a follow-up). */
export function goOn(r: RunState): void {
  r.status = 'running';
  r.error = '';
  r.ended = 0;
}

/** Everything taken from the stream is forgotten (a stream opened again sends it all). */
export function forget(r: RunState): void {
  r.seen = [];
  r.chat = new Chat();
  r.stages = [];
  r.replayLog = [];
}

/** Takes one event of the run's stream in. */
export function takeEvent(r: RunState, e: EngineerEvent): Effects {
  r.chat.take(e);
  if (r.chat.ai && !r.ai) r.ai = true;
  switch (e.type) {
    case 'progress':
      return takeProgress(r, e.stage, e.message, e.done, e.total);
    case 'code': {
      // a file the model wrote (its write_file call is the last item) opens as it comes; the
      // client's files wait for the end, where api_client.py is chosen
      const last = r.chat.items[r.chat.items.length - 1];
      const select = last?.kind === 'tool' && last.tool === 'write_file' ? e.path : '';
      return effects({ files: [{ path: e.path, content: e.content }], select });
    }
    case 'usage':
      r.usage = usageLine(e.input_tokens, e.output_tokens, e.cost_usd);
      break;
    case 'message':
      if (e.role === 'user' && !isLive(r)) goOn(r); // a follow-up: the run goes on
      break;
    case 'complete':
      return takeComplete(r, e.scripts_dir, e.files);
    case 'error':
      r.status = e.kind === 'cancelled' ? 'cancelled' : 'error';
      r.ended ||= Date.now() / 1000;
      r.error = e.kind ? `${e.message} (${e.kind})` : e.message;
      break;
    case 'tool':
      break;
  }
  return effects();
}

function takeProgress(r: RunState, name: string, message: string, done: number, total: number): Effects {
  const stage = { name, message, done, total };
  const at = r.stages.findIndex((s) => s.name === name);
  if (at >= 0) r.stages[at] = stage;
  else r.stages.push(stage);
  if (name === 'replay') takeReplay(r, message, done, total);
  // an AI run's client is written: its endpoints can be read now
  return effects({ endpoints: name === 'engineered' && askEndpoints(r) });
}

function takeComplete(r: RunState, scriptsDir: string, files: string[]): Effects {
  // asked to replay, but it said no result (replay.py did not start, or crashed)
  if (!r.replay && r.stages.some((s) => s.name === 'replay')) {
    r.replay = { message: r.stages.find((s) => s.name === 'replay')?.message ?? 'no result' };
  }
  r.status = 'complete';
  // an AI run's complete names its scripts folder; its files are relative to the run's
  const dir = !r.ai && scriptsDir ? scriptsDir : '';
  if (dir) r.dir = dir;
  r.ended ||= Date.now() / 1000;
  return effects({ dir, files: files.map((path) => ({ path })), endpoints: askEndpoints(r) });
}

/** A replay progress line: the first says it starts, then one per step (or what went wrong),
 * then the result: "N passed, M failed, K skipped" with total = N+M+K (runs of older servers
 * said "N passed, M failed", total = N+M). */
export function takeReplay(r: RunState, message: string, done: number, total: number): void {
  const m = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/.exec(message);
  const failed = Number(m?.[2]);
  const skipped = Number(m?.[3] ?? 0);
  if (m && Number(m[1]) === done && total === done + failed + skipped) r.replay = { passed: done, failed, skipped };
  else r.replayLog.push(message);
}

/** "1,200 tokens in · 300 out · $0.0123" (no cost when the price is not known). */
export const usageLine = (input: number, output: number, cost: number | null) =>
  [
    `${input.toLocaleString()} tokens in`,
    `${output.toLocaleString()} out`,
    typeof cost === 'number' ? `$${cost.toFixed(4)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');

/** One event of a stream, as sent: 'old' was taken before (a stream opened again sends the
 * backlog first); 'new' is to be taken; 'cut' too, but everything taken before was forgotten
 * (the server's backlog is not the one taken: this stream is taken whole). */
export type Verdict = 'old' | 'new' | 'cut';

/** The judge of the events of one stream of run r, in order; new ones are recorded in r.seen. */
export function backlog(r: RunState): (text: string) => Verdict {
  let at = 0; // events of this stream
  let replaying = r.seen.length > 0;
  return (text) => {
    if (replaying && at < r.seen.length && r.seen[at] === text) {
      at++;
      return 'old';
    }
    const cut = replaying && at < r.seen.length;
    if (cut) forget(r);
    replaying = false;
    at++;
    r.seen.push(text);
    return cut ? 'cut' : 'new';
  };
}

export const LOST_STREAM = 'Lost the live stream of this run. Reload the page to try again.';

/** A live run's stream closed with no end event after `events` events, `failures` closes in a row
 * having given none before: when to ask again (ms), with the count of such closes; null: give up
 * (the fifth). */
export function afterDrop(failures: number, events: number): { failures: number; delay: number } | null {
  const lost = events ? 0 : failures + 1;
  if (lost >= 5) return null;
  return { failures: lost, delay: events ? 300 : 2000 };
}
