import { h } from '../dom';
import type { View } from '../router';

export function notFoundPage(path: string): View {
  return {
    title: 'Not found',
    el: h(
      'div',
      { class: 'page narrow' },
      h(
        'div',
        { class: 'state empty', 'data-testid': 'not-found' },
        h('p', { class: 'state-title' }, 'Nothing here'),
        h('p', { class: 'muted' }, 'There is no page at ', h('code', null, path), '.'),
        h('a', { class: 'btn primary', href: '/' }, 'Go to the dashboard'),
      ),
    ),
  };
}
