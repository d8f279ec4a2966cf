// The chat's reducer (src/engineer/chat.ts): what a run's events become on the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Chat, toolLine, toolOutcome } from '../src/engineer/chat.ts';
import type { EngineerEvent } from '../src/types.ts';

function chatOf(events: EngineerEvent[]): Chat {
  const c = new Chat();
  for (const e of events) c.take(e);
  return c;
}

const kinds = (c: Chat) => c.items.map((i) => i.kind);

test('the pieces of an answer join into one, until a tool call', () => {
  const c = chatOf([
    { type: 'message', role: 'user', text: 'export my notes' },
    { type: 'message', text: 'I will ' },
    { type: 'message', text: 'write it.' },
    { type: 'tool', tool: 'run', phase: 'call', message: '{"command":"python3 x.py"}' },
    { type: 'message', text: 'Done.' },
  ]);
  assert.deepEqual(kinds(c), ['user', 'answer', 'tool', 'answer']);
  const answer = c.items[1];
  assert.equal(answer?.kind === 'answer' && answer.text, 'I will write it.');
  assert.ok(c.ai);
});

test('a result answers the last call of its tool; a running call is running', () => {
  const c = chatOf([
    { type: 'tool', tool: 'run', phase: 'call', message: '{"command":"a"}' },
    { type: 'tool', tool: 'run', phase: 'result', message: 'exit status 0\nok\n' },
    { type: 'tool', tool: 'run', phase: 'call', message: '{"command":"sleep 60"}' },
  ]);
  const first = c.items[0];
  assert.equal(first?.kind === 'tool' && first.result, 'exit status 0\nok\n');
  assert.equal(c.running(), c.items[1]);
  c.take({ type: 'error', kind: 'cancelled', message: 'cancelled' });
  assert.equal(c.running(), null);
  assert.equal(c.answering, false);
});

test("finish's summary ends the answer, with the files", () => {
  const c = chatOf([
    { type: 'tool', tool: 'finish', phase: 'call', message: '{"summary":"exported"}' },
    { type: 'tool', tool: 'finish', phase: 'result', message: 'finished' },
    { type: 'complete', scripts_dir: '/w', files: ['scripts/export.py'] },
  ]);
  const done = c.items.at(-1);
  assert.deepEqual(done?.kind === 'done' && [done.summary, done.files], ['exported', ['scripts/export.py']]);
  // the complete event's own summary comes first
  c.take({ type: 'complete', scripts_dir: '/w', files: [], message: 'its own' });
  const again = c.items.at(-1);
  assert.equal(again?.kind === 'done' && again.summary, 'its own');
});

test('usage events are totals; a client stage is updated in place, once per message', () => {
  const c = chatOf([
    { type: 'progress', stage: 'reading', message: 'reading', done: 1, total: 0 },
    { type: 'progress', stage: 'reading', message: 'read', done: 9, total: 0 },
    { type: 'progress', stage: 'model', message: 'claude-x', done: 0, total: 0 },
    { type: 'usage', input_tokens: 10, output_tokens: 2, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0.5 },
    { type: 'usage', input_tokens: 30, output_tokens: 5, cache_read_tokens: 1, cache_write_tokens: 0, cost_usd: null },
    { type: 'message', role: 'user', text: 'again' },
    { type: 'progress', stage: 'reading', message: 'reading', done: 1, total: 0 },
  ]);
  assert.deepEqual(kinds(c), ['stages', 'user', 'stages']);
  const stages = c.items[0];
  assert.deepEqual(stages?.kind === 'stages' && stages.stages.map((s) => s.message), ['read']);
  assert.equal(c.model, 'claude-x');
  assert.deepEqual(c.usage, { input: 30, output: 5, cacheRead: 1, cacheWrite: 0, cost: null });
});

test('every change of an item moves its version', () => {
  const c = chatOf([{ type: 'message', text: 'a' }]);
  const v = c.items[0]?.v ?? 0;
  c.take({ type: 'message', text: 'b' });
  assert.ok((c.items[0]?.v ?? 0) > v);
});

test('a tool call and its result in a few words', () => {
  assert.deepEqual(toolLine('run', '{"command":"python3 export.py"}').verb, 'run');
  assert.equal(toolLine('run', '{"command":"python3 export.py"}').arg, 'python3 export.py');
  assert.equal(toolLine('write_file', '{"path":"scripts/a.py"}').arg, 'scripts/a.py');
  assert.equal(toolLine('mystery', 'not json').arg, 'not json');
  assert.deepEqual(toolOutcome('run', 'exit status 0\n1\n2\n'), {
    text: 'exit 0, 2 lines',
    ok: true,
    output: '1\n2\n',
  });
  assert.equal(toolOutcome('run', 'exit status 3\n').ok, false);
  assert.equal(toolOutcome('run', 'ended by signal 9\n').text, 'ended by signal 9');
  assert.equal(toolOutcome('run', 'stopped after 120 s (the time limit)\n').text, 'stopped: the time limit');
  assert.deepEqual(toolOutcome('write_file', 'wrote scripts/a.py (36 bytes)').text, 'wrote 36 bytes');
  assert.equal(toolOutcome('search_har', 'no entry matches').text, 'nothing found');
});
