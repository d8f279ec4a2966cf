// The endpoints table of a finished run: method and path, the auth each needs, and where its
// values come from (endpoints.ts reads them from the run's files).

import { h } from '../dom';
import { dataTable } from '../ui';
import type { Endpoint } from './endpoints';

export function endpointsTable(rows: Endpoint[]): HTMLElement {
  return dataTable(
    { testid: 'endpoints-table', compact: true, head: ['Endpoint', 'Auth', 'Takes values from'] },
    rows.map((e) =>
      h(
        'tr',
        { 'data-testid': 'endpoint-row' },
        h(
          'td',
          { class: 'endpoint' },
          h('span', { class: `method m-${e.method.toLowerCase()}` }, e.method),
          ' ',
          h('code', { class: 'path' }, e.path),
          h(
            'div',
            { class: 'muted small' },
            h('code', null, e.operation),
            e.variants.length ? ` · GraphQL: ${e.variants.join(', ')}` : '',
          ),
        ),
        h(
          'td',
          null,
          e.auth.length
            ? e.auth.map((a) => h('span', { class: 'chip', title: a.detail }, a.name))
            : h('span', { class: 'muted' }, 'none'),
        ),
        h(
          'td',
          { class: 'flows' },
          e.inputs.length ? e.inputs.map((f) => h('div', null, f)) : h('span', { class: 'muted' }, '—'),
        ),
      ),
    ),
  );
}
