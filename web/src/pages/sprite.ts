// The sprite page: the browser view beside the engineer, files and checkpoints panels.
// /sprite/{id} and /sprite/{id}/run/{runId} are one view, so moving to a run keeps the display.

import * as api from '../api';
import { Bus } from '../bus';
import { onReachability } from '../connection';
import { h, put } from '../dom';
import { ago, bytes, plural } from '../format';
import { browserPanel, type BrowserPanel } from '../panels/browser';
import { checkpointsPanel, type CheckpointsPanel } from '../panels/checkpoints';
import { engineerPanel, type EngineerPanel } from '../panels/engineer';
import { filesPanel, type FilesPanel } from '../panels/files';
import { navigate, type Params, type View } from '../router';
import type { Sprite } from '../types';
import { badge, failed, loading } from '../ui';

type Tab = 'engineer' | 'files' | 'checkpoints';

interface Panels {
  browser: BrowserPanel;
  engineer: EngineerPanel;
  files: FilesPanel;
  checkpoints: CheckpointsPanel;
}

export function spritePage(params: Params, query: URLSearchParams): View {
  const id = params.id ?? '';
  const bus = new Bus();
  const summary = h('div', { class: 'sprite-summary' });
  const content = h('div', { class: 'sprite-content' }, loading('Opening the sprite…'));
  const widen = h(
    'button',
    { class: 'btn small ghost', type: 'button', 'aria-pressed': 'false', 'data-testid': 'widen' },
    'Wider panel',
  );
  const el = h(
    'div',
    { class: 'sprite-page' },
    h(
      'div',
      { class: 'subbar' },
      h(
        'nav',
        { class: 'crumbs', 'aria-label': 'Breadcrumb' },
        h('a', { href: '/' }, 'Dashboard'),
        h('span', { class: 'sep', 'aria-hidden': 'true' }, '/'),
        h('span', { 'aria-current': 'page' }, 'Sprite ', h('code', null, id)),
      ),
      summary,
      h('span', { class: 'spacer' }),
      widen,
    ),
    content,
  );
  widen.addEventListener('click', () => {
    const wide = el.classList.toggle('is-wide');
    widen.setAttribute('aria-pressed', String(wide));
  });

  let panels: Panels | null = null;
  let tab: Tab = 'engineer';
  const tabButtons = new Map<Tab, HTMLButtonElement>();
  const tabBodies = new Map<Tab, HTMLElement>();

  function showSummary(s: Sprite): void {
    put(
      summary,
      badge(s.state, 'sprite-state'),
      h(
        'span',
        { class: 'muted small' },
        `${bytes(s.diskUsed)} used · ${plural(s.processes, 'process', 'processes')} · active ${ago(s.lastActive)}`,
      ),
    );
  }

  function select(t: Tab): void {
    tab = t;
    for (const [name, b] of tabButtons) {
      b.setAttribute('aria-selected', String(name === t));
      b.tabIndex = name === t ? 0 : -1;
    }
    for (const [name, body] of tabBodies) body.hidden = name !== t;
  }

  /** Runs the engineer and opens the run. */
  async function start(req: api.RunRequest): Promise<void> {
    const run = await api.engineerRun(id, req);
    bus.emit('files');
    navigate(`/sprite/${encodeURIComponent(id)}/run/${encodeURIComponent(run.runId)}`);
  }

  /** Runs the engineer on a HAR (then its replay against the site, when asked; with a prompt and
   * a model, the AI engineer) and opens the run. */
  const generate = (harPath: string, replay = false, prompt = '') =>
    start(prompt ? { harPath, replay, prompt } : { harPath, replay });

  function build(): Panels {
    const p: Panels = {
      browser: browserPanel(id, bus, generate),
      engineer: engineerPanel(id, start),
      files: filesPanel(id, bus, generate),
      checkpoints: checkpointsPanel(id, bus),
    };
    bus.on('browser', p.browser.refresh);
    bus.on('sprite', () => void load());
    const labels: [Tab, string][] = [
      ['engineer', 'Engineer'],
      ['files', 'Files'],
      ['checkpoints', 'Checkpoints'],
    ];
    const tablist = h('div', { class: 'tabs side-tabs', role: 'tablist', 'aria-label': 'Sprite panels' });
    const bodies: HTMLElement[] = [];
    for (const [name, label] of labels) {
      const b = h(
        'button',
        {
          class: 'tab',
          type: 'button',
          role: 'tab',
          id: `tab-${name}`,
          'aria-controls': `panel-${name}`,
          'data-testid': `tab-${name}`,
          on: {
            click: () => {
              select(name);
            },
          },
        },
        label,
      );
      tabButtons.set(name, b);
      tablist.append(b);
      const body = h(
        'div',
        { class: 'side-body', role: 'tabpanel', id: `panel-${name}`, 'aria-labelledby': `tab-${name}` },
        p[name].el,
      );
      tabBodies.set(name, body);
      bodies.push(body);
    }
    tablist.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
      const at = labels.findIndex(([n]) => n === tab) + (e.key === 'ArrowRight' ? 1 : -1);
      const next = labels[(at + labels.length) % labels.length]?.[0];
      if (!next) return;
      select(next);
      tabButtons.get(next)?.focus();
    });
    put(content, h('div', { class: 'workbench' }, p.browser.el, h('div', { class: 'side' }, tablist, bodies)));
    return p;
  }

  function route(params: Params, query: URLSearchParams): void {
    if (!panels) return;
    const run = params.run ?? null;
    const file = query.get('file');
    panels.engineer.show(run);
    if (file) {
      panels.files.open(file);
      select('files');
    } else {
      select(run ? 'engineer' : tab);
    }
    document.title = `${run ? `Run ${run}` : `Sprite ${id}`} · rae`;
  }

  async function load(): Promise<void> {
    try {
      const s = await api.sprite(id);
      showSummary(s);
      if (!panels) {
        panels = build();
        route(params, query);
      }
    } catch (e) {
      if (panels) return; // the summary stays as it was; the banner says what is wrong
      if (e instanceof api.ApiError && e.status === 404) {
        window.clearInterval(timer);
        put(
          content,
          h(
            'div',
            { class: 'page narrow' },
            failed(`There is no sprite ${id} of yours.`),
            h('p', null, h('a', { href: '/' }, 'Back to the dashboard')),
          ),
        );
      } else {
        put(
          content,
          failed(`Cannot open the sprite: ${api.messageOf(e)}`, () => void load()),
        );
      }
    }
  }

  void load();
  const timer = window.setInterval(() => void load(), 10000); // its state changes on its own
  const stop = onReachability((up) => {
    if (!up || !panels) return;
    void load();
    panels.browser.refresh();
    panels.files.refresh();
    panels.checkpoints.refresh();
  });

  return {
    el,
    title: `Sprite ${id}`,
    update: route,
    dispose() {
      window.clearInterval(timer);
      stop();
      panels?.browser.dispose();
      panels?.engineer.dispose();
    },
  };
}
