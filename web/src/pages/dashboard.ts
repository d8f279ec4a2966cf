// The dashboard: the user's sprite, what the AI engineer cost this month, and the history of
// their captures and engineer runs.

import * as api from '../api';
import { currentUser } from '../auth';
import { onReachability } from '../connection';
import { h, put } from '../dom';
import { ago, bytes, duration, host, when } from '../format';
import { navigate, type View } from '../router';
import type { Session, Sprite } from '../types';
import { badge, busy, dataTable, empty, failed, loading } from '../ui';
import { usageSection } from './usage';

function spriteCard(s: Sprite): HTMLElement {
  return h(
    'article',
    { class: 'card sprite-card', 'data-testid': 'sprite-card', 'data-sprite': s.id },
    h(
      'div',
      { class: 'sprite-card-head' },
      h('h3', null, 'Sprite ', h('code', null, s.id)),
      badge(s.state, 'sprite-state'),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Disk used'),
      h('dd', null, bytes(s.diskUsed)),
      h('dt', null, 'Processes'),
      h('dd', null, s.processes),
      h('dt', null, 'Last active'),
      h('dd', { title: when(s.lastActive) }, ago(s.lastActive)),
      h('dt', null, 'Created'),
      h('dd', null, when(s.created)),
    ),
    h('a', { class: 'btn primary', href: `/sprite/${encodeURIComponent(s.id)}`, 'data-testid': 'open-sprite' }, 'Open'),
  );
}

function newSpriteButton(onError: (message: string) => void): HTMLButtonElement {
  const button = h('button', { class: 'btn primary', type: 'button', 'data-testid': 'new-sprite' }, 'New sprite');
  button.addEventListener('click', () => {
    void busy(button, 'Creating…', async () => {
      try {
        const s = await api.createSprite();
        navigate(`/sprite/${encodeURIComponent(s.id)}`);
      } catch (e) {
        onError(api.messageOf(e));
      }
    });
  });
  return button;
}

/** A run's site and entry count are those of the capture that wrote its HAR. */
function withCaptures(list: Session[]): Session[] {
  const byHar = new Map(list.filter((s) => s.kind === 'capture' && s.harPath).map((s) => [s.harPath, s]));
  return list.map((s) => {
    const capture = s.kind === 'run' ? byHar.get(s.harPath) : undefined;
    return capture ? { ...s, url: s.url ?? capture.url, entries: s.entries ?? capture.entries } : s;
  });
}

function sessionRow(s: Session): HTMLElement {
  const sprite = `/sprite/${encodeURIComponent(s.sprite)}`;
  const links: HTMLElement[] = [];
  if (s.harPath) {
    links.push(h('a', { href: `${sprite}?file=${encodeURIComponent(s.harPath)}` }, 'HAR'));
  }
  if (s.kind === 'run') {
    links.push(h('a', { href: `${sprite}/run/${encodeURIComponent(s.id)}` }, 'Scripts'));
  }
  const took = s.ended ? duration(s.ended - s.started) : '';
  return h(
    'tr',
    { 'data-testid': 'session-row', 'data-kind': s.kind },
    h('td', null, h('span', { class: `kind kind-${s.kind}` }, s.kind === 'run' ? 'Engineer run' : 'Capture')),
    h('td', { class: 'site' }, s.url ? h('span', { title: s.url }, host(s.url)) : h('span', { class: 'muted' }, '—')),
    h(
      'td',
      null,
      h('span', { title: new Date(s.started * 1000).toLocaleString() }, when(s.started)),
      took ? h('span', { class: 'muted' }, ` · ${took}`) : null,
    ),
    h('td', { class: 'num' }, s.entries ?? '—'),
    h('td', { class: 'num' }, s.endpoints ?? '—'),
    h('td', null, badge(s.status), s.error ? h('div', { class: 'row-error' }, s.error) : null),
    h('td', { class: 'links' }, links.length ? links : h('span', { class: 'muted' }, '—')),
  );
}

function historyTable(list: Session[]): HTMLElement {
  if (!list.length) {
    return empty('No captures yet', 'Open your sprite, start a capture on a site, then press Stop & generate.');
  }
  return dataTable(
    { testid: 'sessions-table', head: ['What', 'Site', 'When', 'Entries', 'Endpoints', 'Status', 'Open'] },
    withCaptures(list).map(sessionRow),
  );
}

export function dashboardPage(): View {
  const sprites = h('div', { class: 'sprites' });
  const history = h('div', { 'data-testid': 'history' });
  const spriteError = h('div', { role: 'alert' });
  const usage = usageSection(currentUser()?.admin === true);

  const loadSprites = async () => {
    put(sprites, loading('Loading your sprite…'));
    try {
      const list = (await api.sprites()).sprites;
      put(
        sprites,
        list.length
          ? list.map(spriteCard)
          : empty(
              'You have no sprite yet',
              'A sprite is your own sandbox: a real browser to record sites in, a workspace that keeps your HAR files and scripts, and checkpoints to go back to.',
              newSpriteButton((m) => {
                put(spriteError, failed(m));
              }),
            ),
      );
    } catch (e) {
      put(
        sprites,
        failed(api.messageOf(e), () => void loadSprites()),
      );
    }
  };
  const loadHistory = async () => {
    put(history, loading('Loading the history…'));
    try {
      const list = (await api.sessions()).sessions;
      put(history, historyTable(list));
      // the usage's runs link to their sprite
      usage.load(new Map(list.filter((s) => s.kind === 'run').map((s) => [s.id, s.sprite])));
    } catch (e) {
      put(
        history,
        failed(api.messageOf(e), () => void loadHistory()),
      );
      usage.load(new Map());
    }
  };
  const load = () => {
    void loadSprites();
    void loadHistory();
  };
  load();
  const stop = onReachability((up) => {
    if (up) load();
  });

  return {
    title: 'Dashboard',
    el: h(
      'div',
      { class: 'page' },
      h('section', { class: 'section' }, h('h2', null, 'Your sprite'), spriteError, sprites),
      usage.el,
      h('section', { class: 'section' }, h('h2', null, 'History'), history),
    ),
    dispose: stop,
  };
}
