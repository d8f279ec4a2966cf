// The stages of the deterministic engineer (reading the HAR, endpoints, … writing the files): a
// live list while it runs, then one line with the list behind a disclosure.

import { h } from '../dom';
import { plural } from '../format';
import { spinner } from '../ui';
import type { Stage } from './chat';

/** live: the stages go on; status: the run's (complete, error, cancelled…) once they ended. */
export function stageList(stages: Stage[], live: boolean, status: string): HTMLElement {
  const failed = status === 'error';
  if (!stages.length) {
    return live ? h('p', { class: 'state' }, spinner(), 'Waiting for the engineer to start…') : h('span');
  }
  const items = stages.map((s, i) => {
    const current = i === stages.length - 1;
    const mark =
      current && live
        ? spinner()
        : current && failed
          ? h('span', { class: 'mark bad' }, '✕')
          : h('span', { class: 'mark ok' }, '✓');
    const pct = s.total > 0 ? Math.min(100, Math.round((100 * s.done) / s.total)) : -1;
    return h(
      'li',
      { class: current && live ? 'is-current' : '', 'data-stage': s.name },
      mark,
      h('span', { class: 'stage-name' }, s.name),
      h('span', { class: 'stage-message' }, s.message),
      pct >= 0 && current && live ? h('progress', { max: 100, value: pct, 'aria-label': `${s.name} ${pct}%` }) : null,
    );
  });
  const list = h('ol', { class: 'stages' }, items);
  if (live) return list;
  // done: one line, the stages behind a disclosure
  return h(
    'details',
    { class: `stages-done${failed ? ' is-error' : ''}` },
    h(
      'summary',
      null,
      status === 'complete'
        ? `Done: ${plural(stages.length, 'stage')}`
        : `Stopped at ${stages[stages.length - 1]?.name ?? ''}`,
    ),
    list,
  );
}
