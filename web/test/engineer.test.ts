// The engineer panel's state (src/panels/engineer/state.ts, derived.ts): what a run's record and
// events make of it, the backlog of a stream opened again, and what the page shows for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  clientStatus,
  endpointsShown,
  firstFile,
  footerOf,
  meterUsage,
  sentence,
} from '../src/panels/engineer/derived.ts';
import {
  afterDrop,
  applyRecord,
  backlog,
  forget,
  isLive,
  newRun,
  takeEvent,
  usageLine,
} from '../src/panels/engineer/state.ts';
import type { EngineerEvent, LlmState, Run } from '../src/types.ts';

const record = (o: Partial<Run> = {}): Run => ({
  id: 'r1',
  status: 'running',
  started: 100,
  harPath: '/workspace/har/a.har',
  scriptsDir: '',
  ...o,
});

test("a run's record: its status, times, folder, files and replay", () => {
  const r = newRun('r1');
  assert.equal(r.dir, '/workspace/scripts/r1');
  assert.ok(isLive(r)); // loading
  const fx = applyRecord(
    r,
    record({
      status: 'complete',
      ended: 160,
      scriptsDir: '/w/s/r1',
      files: ['api_client.py', 'README.md'],
      replay: { passed: 3, failed: 1 },
      ai: true,
    }),
  );
  assert.deepEqual(fx, {
    dir: '/w/s/r1',
    files: [{ path: 'api_client.py' }, { path: 'README.md' }],
    select: '',
    endpoints: false,
  });
  assert.deepEqual([r.status, r.dir, r.started, r.ended, r.ai], ['complete', '/w/s/r1', 100, 160, true]);
  assert.deepEqual(r.replay, { passed: 3, failed: 1, skipped: 0 });
  assert.ok(!isLive(r));
  // a record without ai does not make an AI run plain again
  applyRecord(r, record({ status: 'complete' }));
  assert.equal(r.ai, true);
  assert.equal(r.dir, '/w/s/r1');
});

test("the stages, the replay's lines and result, and the endpoints asked for once", () => {
  const r = newRun('r1');
  const progress = (stage: string, message: string, done = 0, total = 0): EngineerEvent => ({
    type: 'progress',
    stage,
    message,
    done,
    total,
  });
  takeEvent(r, progress('reading', 'reading the HAR'));
  takeEvent(r, progress('reading', '12 entries', 12, 12));
  assert.deepEqual(
    r.stages.map((s) => s.message),
    ['12 entries'],
  );
  takeEvent(r, progress('replay', 'starting'));
  takeEvent(r, progress('replay', 'GET /api/notes: 200', 1, 4));
  takeEvent(r, progress('replay', '3 passed, 1 failed', 3, 4)); // an older server's line
  assert.deepEqual(r.replay, { passed: 3, failed: 1, skipped: 0 });
  assert.deepEqual(r.replayLog, ['starting', 'GET /api/notes: 200']);
  takeEvent(r, progress('replay', '2 passed, 0 failed, 1 skipped', 2, 3));
  assert.deepEqual(r.replay, { passed: 2, failed: 0, skipped: 1 });
  takeEvent(r, progress('replay', '2 passed, 0 failed, 1 skipped', 2, 9)); // counts that do not add up
  assert.equal(r.replayLog.at(-1), '2 passed, 0 failed, 1 skipped');
  assert.equal(takeEvent(r, progress('engineered', 'written')).endpoints, true);
  assert.equal(takeEvent(r, progress('engineered', 'written')).endpoints, false);
});

test('complete: the folder of a deterministic run, its files, the endpoints; no replay result says why', () => {
  const r = newRun('r1');
  takeEvent(r, { type: 'progress', stage: 'replay', message: 'replay.py did not start', done: 0, total: 0 });
  const fx = takeEvent(r, { type: 'complete', scripts_dir: '/w/s/r1', files: ['api_client.py'] });
  assert.deepEqual(fx, { dir: '/w/s/r1', files: [{ path: 'api_client.py' }], select: '', endpoints: true });
  assert.equal(r.status, 'complete');
  assert.ok(r.ended > 0);
  assert.deepEqual(r.replay, { message: 'replay.py did not start' });
  // an AI run's files are relative to its own folder
  const ai = newRun('r2');
  takeEvent(ai, { type: 'message', text: 'Done.' });
  assert.equal(takeEvent(ai, { type: 'complete', scripts_dir: '/w/s/x', files: [] }).dir, '');
  assert.equal(ai.dir, '/workspace/scripts/r2');
});

test('a file the model writes opens as it comes; the client writes its files quietly', () => {
  const r = newRun('r1');
  const code: EngineerEvent = { type: 'code', path: 'openapi.json', language: 'json', content: '{}' };
  assert.deepEqual(takeEvent(r, code), {
    dir: '',
    files: [{ path: 'openapi.json', content: '{}' }],
    select: '',
    endpoints: false,
  });
  takeEvent(r, { type: 'tool', tool: 'write_file', phase: 'call', message: '{"path":"scripts/x.py"}' });
  assert.equal(
    takeEvent(r, { type: 'code', path: 'scripts/x.py', language: 'python', content: 'x' }).select,
    'scripts/x.py',
  );
  assert.ok(r.ai);
});

test('an error ends the run; a message of the person after the end starts it again', () => {
  const r = newRun('r1');
  takeEvent(r, { type: 'error', kind: 'cancelled', message: 'cancelled' });
  assert.deepEqual([r.status, r.error], ['cancelled', 'cancelled (cancelled)']);
  takeEvent(r, { type: 'message', role: 'user', text: 'go on' });
  assert.deepEqual([r.status, r.error, r.ended], ['running', '', 0]);
  takeEvent(r, { type: 'error', kind: '', message: 'boom' });
  assert.deepEqual([r.status, r.error], ['error', 'boom']);
});

test('usage as a line', () => {
  assert.equal(usageLine(1200, 300, 0.01234), `${(1200).toLocaleString()} tokens in · 300 out · $0.0123`);
  assert.equal(usageLine(5, 1, null), '5 tokens in · 1 out');
  const r = newRun('r1');
  takeEvent(r, { type: 'usage', input_tokens: 5, output_tokens: 1, cost_usd: null });
  assert.equal(r.usage, '5 tokens in · 1 out');
});

test('a stream opened again: the backlog taken is skipped, what follows is taken', () => {
  const r = newRun('r1');
  const first = backlog(r);
  assert.deepEqual(['a', 'b'].map(first), ['new', 'new']);
  const again = backlog(r);
  assert.deepEqual(['a', 'b', 'c'].map(again), ['old', 'old', 'new']);
  assert.deepEqual(r.seen, ['a', 'b', 'c']);
});

test('a stream whose backlog is not the one taken is taken whole', () => {
  const r = newRun('r1');
  ['a', 'b', 'c'].map(backlog(r));
  takeEvent(r, { type: 'progress', stage: 'reading', message: 'x', done: 0, total: 0 });
  const again = backlog(r);
  assert.deepEqual(['a', 'x', 'y'].map(again), ['old', 'cut', 'new']);
  assert.deepEqual(r.seen, ['x', 'y']);
  assert.deepEqual(r.stages, []); // forgotten with the rest
  forget(r);
  assert.deepEqual([r.seen, r.chat.items], [[], []]);
});

test('a dropped stream is asked again, sooner after events, until five closes in a row gave none', () => {
  assert.deepEqual(afterDrop(3, 2), { failures: 0, delay: 300 });
  assert.deepEqual(afterDrop(0, 0), { failures: 1, delay: 2000 });
  assert.deepEqual(afterDrop(3, 0), { failures: 4, delay: 2000 });
  assert.equal(afterDrop(4, 0), null);
});

test('what the page shows for a run', () => {
  assert.equal(sentence('no model is configured: set one in Settings'), 'No model is configured: set one in Settings.');
  assert.equal(sentence('Ask an admin!'), 'Ask an admin!');
  assert.equal(firstFile(['README.md', 'api_client.py']), 'api_client.py');
  assert.equal(firstFile(['README.md']), 'README.md');
  assert.equal(firstFile([]), '');
  assert.equal(clientStatus([{ name: 'engineered', message: '', done: 0, total: 0 }], 'error'), 'complete');
  assert.equal(clientStatus([], 'error'), 'error');

  const r = newRun('r1');
  assert.equal(meterUsage(r), null);
  applyRecord(
    r,
    record({
      usage: { inputTokens: 10, outputTokens: 2, cacheReadTokens: 1, cacheWriteTokens: 0, costUsd: null },
    }),
  );
  assert.deepEqual(meterUsage(r), { input: 10, output: 2, cacheRead: 1, cacheWrite: 0, cost: null });
  assert.equal(endpointsShown(r), false);
  r.ai = true;
  r.endpoints = [];
  assert.equal(endpointsShown(r), true);
});

test("the message box: a model's, a follow-up or a new run", () => {
  const llm = (configured: boolean, how: string | null) => ({ configured, how }) as LlmState;
  const r = newRun('r1');
  r.status = 'running';
  // a deterministic run going on: no box; its only way is a new run
  assert.deepEqual(footerOf(r, llm(true, null)), {
    boxHidden: true,
    note: '',
    noteHidden: true,
    fresh: true,
    blocked: true,
  });
  r.ai = true;
  assert.deepEqual(
    [footerOf(r, llm(true, null)).boxHidden, footerOf(r, llm(true, null)).fresh, footerOf(r, llm(true, null)).blocked],
    [false, false, true],
  );
  // no model: the note says how to have one
  const none = footerOf(r, llm(false, 'an admin sets one'));
  assert.deepEqual([none.boxHidden, none.noteHidden, none.note], [true, false, 'An admin sets one.']);
  assert.equal(footerOf(r, null).noteHidden, true);
});
