// The pieces of the engineer panel, each drawn from what it shows: the list of past runs, a run's
// title, the meter of tokens and cost, the replay's result, the endpoints table's body, and the
// message box's mode. view.ts puts them in their places.

import type { Child } from '../../dom';
import { h } from '../../dom';
import type { Usage } from '../../engineer/chat';
import type { ComposerMode } from '../../engineer/composer';
import type { Endpoint } from '../../engineer/endpoints';
import { endpointsTable } from '../../engineer/endpointstable';
import { ago, duration, plural, tokens, usd, when } from '../../format';
import type { LlmState, Session } from '../../types';
import { badge, empty, failed, loading } from '../../ui';
import { type Footer, sentence } from './derived';
import type { RunState } from './state';

/** The address of a run's page. */
export const runHref = (spriteId: string, runId: string) =>
  `/sprite/${encodeURIComponent(spriteId)}/run/${encodeURIComponent(runId)}`;

/** No run open: a new one (form: with a model), and this sprite's past runs. */
export function runsPage(spriteId: string, runs: Session[], llm: LlmState | null, form: Child): Child[] {
  const link = (s: Session) =>
    h(
      'li',
      null,
      h('a', { href: runHref(spriteId, s.id) }, h('code', null, s.id)),
      ' ',
      badge(s.status),
      h('span', { class: 'muted' }, ` ${ago(s.started)}`),
      s.endpoints !== undefined ? h('span', { class: 'muted' }, ` · ${plural(s.endpoints, 'endpoint')}`) : null,
    );
  return [
    form,
    empty(
      'No run open',
      'Record a site and press Stop & generate: the engineer reads the HAR and writes a Python client, an OpenAPI document, a replay test and a README. A HAR in Files can be generated again.',
    ),
    llm && !llm.configured && llm.how
      ? h('p', { class: 'llm-note muted small', 'data-testid': 'llm-how' }, sentence(llm.how))
      : null,
    runs.length ? h('h3', { class: 'subhead' }, 'Past runs') : null,
    runs.length ? h('ul', { class: 'run-list' }, runs.map(link)) : null,
  ];
}

/** "Run <id>", its status, when it started and how long it took. */
export function title(r: RunState): HTMLElement[] {
  return [
    h('h3', null, 'Run ', h('code', null, r.id)),
    badge(r.status, 'run-status'),
    r.started ? h('span', { class: 'muted', title: when(r.started) }, ago(r.started)) : h('span'),
    r.ended && r.started ? h('span', { class: 'muted' }, `took ${duration(r.ended - r.started)}`) : h('span'),
  ];
}

/** Tokens and cost of the run so far (null: no model answer yet). */
export function meter(u: Usage | null): HTMLElement {
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

/** "Replay: N passed, N failed, N skipped", and its steps behind a disclosure. */
export function replayResult(r: RunState): HTMLElement | null {
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

/** The endpoints table, or why there is none yet (null: being read; a string: why not). */
export function endpointsBody(endpoints: Endpoint[] | string | null): HTMLElement {
  if (endpoints === null) return loading('Reading openapi.json…');
  if (typeof endpoints === 'string') return failed(endpoints);
  if (!endpoints.length)
    return empty(
      'No API endpoints found',
      'The capture had no API traffic the engineer could use: only pages, assets or trackers.',
    );
  return endpointsTable(endpoints);
}

/** The message box's mode: a follow-up in the conversation, or a new run from this one (leave:
 * back to the conversation, for an AI run). */
export function composerMode(f: Footer, ai: boolean, leave: () => void): ComposerMode {
  if (!f.fresh)
    return {
      label: '',
      placeholder: 'Ask for a change, or for something else…',
      action: 'Send',
      blocked: f.blocked ? 'The engineer is working… (Stop interrupts it)' : '',
    };
  return {
    label: ai
      ? 'A new run on the same capture, starting from the scripts of this one.'
      : 'Ask the engineer for a task on this capture: a new run starts from these files.',
    placeholder: 'What should the new run do?',
    action: 'Start run',
    blocked: '',
    leave: ai ? { text: 'Back to this conversation', fn: leave } : undefined,
  };
}
