// The engineer panel: the live progress of a run, then what it made — the endpoints table, the
// generated files in Monaco (one tab each), downloads, the replay result; or why it failed.

import * as api from '../api';
import { h, put } from '../dom';
import { endpointsOf, type Endpoint, type Model } from '../engineer/endpoints';
import { openStream } from '../engineer/stream';
import { ago, duration, plural, when } from '../format';
import type { EngineerEvent, Run, Session } from '../types';
import { badge, empty, failed, loading, spinner } from '../ui';
import type { CodeView } from '../editor';

const FILE_LIMIT = 4 << 20; // generated files are small; a broken one is not loaded whole

interface Stage {
  name: string;
  message: string;
  done: number;
  total: number;
}

/** replay.py's last line: skipped steps are calls whose request body the HAR lacks, and steps
 * that needed a value from a skipped one. */
interface ReplayCounts {
  passed: number;
  failed: number;
  skipped: number;
}

interface RunState {
  id: string;
  dir: string; // where its files are
  status: string; // running, complete, error, ...
  started: number;
  ended: number;
  error: string;
  stages: Stage[];
  files: string[];
  code: Map<string, string>;
  /** The replay's outcome; a message when it ran and gave none; null when it did not run. */
  replay: ReplayCounts | { message: string } | null;
  replayLog: string[]; // its lines, one per step
  replayOpen: boolean; // the log is shown
  usage: string;
  endpoints: Endpoint[] | string | null; // string: why there are none
  tab: string; // the file shown
}

export interface EngineerPanel {
  el: HTMLElement;
  /** Opens run runId (null: none, the list of past runs). */
  show(runId: string | null): void;
  dispose(): void;
}

export function engineerPanel(spriteId: string): EngineerPanel {
  const el = h('section', { class: 'panel engineer', 'aria-label': 'Engineer' });
  const head = h('div', { class: 'run-head' });
  const progress = h('div', { class: 'run-progress', 'data-testid': 'engineer-progress' });
  const result = h('div', { class: 'run-result' });
  const endpointsBox = h('div', { class: 'endpoints-body' });
  const endpointsCount = h('span');
  const endpoints = h(
    'details',
    { class: 'endpoints', open: true },
    h('summary', null, 'Endpoints', endpointsCount),
    endpointsBox,
  );
  const tabs = h('div', { class: 'tabs file-tabs', role: 'tablist', 'aria-label': 'Generated files' });
  const zip = h('a', { class: 'btn small', 'data-testid': 'download-zip', title: 'Every file of this run as one zip' }, 'Download all (zip)');
  const codeBar = h('div', { class: 'code-bar' });
  const monacoBox = h('div', { class: 'monaco', 'data-testid': 'monaco' });
  const codeState = h('div', { class: 'code-state' });
  const codeBox = h('div', { class: 'code', role: 'tabpanel' }, codeBar, codeState, monacoBox);
  const files = h('div', { class: 'run-files' }, h('div', { class: 'files-bar' }, tabs), codeBox);

  let run: RunState | null = null;
  let closeStream: (() => void) | null = null;
  let editor: CodeView | null = null;
  let editorLoading: Promise<CodeView> | null = null;
  let retry = 0;
  let generation = 0; // bumps on every show(): late answers for an older run are dropped

  const sp = encodeURIComponent(spriteId);

  function stopStream(): void {
    closeStream?.();
    closeStream = null;
    window.clearTimeout(retry);
  }

  function show(runId: string | null): void {
    if (runId === run?.id) return;
    generation++;
    stopStream();
    editor?.dispose();
    editor = null;
    editorLoading = null;
    run = null;
    if (!runId) {
      void listRuns();
      return;
    }
    run = {
      id: runId,
      dir: `/workspace/scripts/${runId}`,
      status: 'loading',
      started: 0,
      ended: 0,
      error: '',
      stages: [],
      files: [],
      code: new Map(),
      replay: null,
      replayLog: [],
      replayOpen: false,
      usage: '',
      endpoints: null,
      tab: '',
    };
    put(el, loading('Loading the run…'));
    void load(run, generation);
  }

  /** No run open: this sprite's past runs. */
  async function listRuns(): Promise<void> {
    const g = generation;
    put(el, loading('Loading the runs…'));
    try {
      const runs = (await api.sessions()).sessions.filter((s) => s.kind === 'run' && s.sprite === spriteId);
      if (g !== generation) return;
      put(
        el,
        empty(
          'No run open',
          'Record a site and press Stop & generate: the engineer reads the HAR and writes a Python client, an OpenAPI document, a replay test and a README. A HAR in Files can be generated again.',
        ),
        runs.length ? h('h3', { class: 'subhead' }, 'Past runs') : null,
        runs.length ? h('ul', { class: 'run-list' }, runs.map(runLink)) : null,
      );
    } catch (e) {
      if (g === generation) put(el, failed(api.messageOf(e), () => void listRuns()));
    }
  }

  function runLink(s: Session): HTMLElement {
    return h(
      'li',
      null,
      h('a', { href: `/sprite/${sp}/run/${encodeURIComponent(s.id)}` }, h('code', null, s.id)),
      ' ',
      badge(s.status),
      h('span', { class: 'muted' }, ` ${ago(s.started)}`),
      s.endpoints !== undefined ? h('span', { class: 'muted' }, ` · ${plural(s.endpoints, 'endpoint')}`) : null,
    );
  }

  async function load(r: RunState, g: number): Promise<void> {
    let info: Run;
    try {
      info = (await api.run(spriteId, r.id)).run;
    } catch (e) {
      if (g === generation) put(el, failed(`Cannot open run ${r.id}: ${api.messageOf(e)}`, () => void load(r, g)));
      return;
    }
    if (g !== generation) return;
    r.status = info.status;
    if (info.scriptsDir) r.dir = info.scriptsDir;
    r.started = info.started;
    r.ended = info.ended ?? 0;
    r.error = info.error ?? '';
    r.files = info.files ?? [];
    if (info.replay) r.replay = { ...info.replay, skipped: info.replay.skipped ?? 0 };
    put(el, head, progress, result, endpoints, files);
    listen(r, g, 0);
  }

  /** Follows the run's stream: its backlog (stages, code) even when the run is over, then what
   * comes. When it drops, a live run is followed again; a finished one is read from its files. */
  function listen(r: RunState, g: number, failures: number): void {
    render();
    closeStream = openStream(
      `/api/sprite/${sp}/engineer/stream?run=${encodeURIComponent(r.id)}`,
      (e) => {
        if (g === generation) take(r, e, g);
      },
      (end) => {
        closeStream = null;
        if (g !== generation || end.finished) return;
        if (r.status === 'complete' || r.status === 'error') {
          if (r.status === 'complete') void finish(r, g);
          render();
          return;
        }
        const lost = end.events ? 0 : failures + 1;
        if (lost >= 5) {
          r.error = 'Lost the live stream of this run. Reload the page to try again.';
          render();
          return;
        }
        retry = window.setTimeout(() => void reload(r, g, lost), 2000);
      },
    );
  }

  /** The run's state again, then its stream again while it runs. */
  async function reload(r: RunState, g: number, failures: number): Promise<void> {
    try {
      const info = (await api.run(spriteId, r.id)).run;
      if (g !== generation) return;
      r.status = info.status;
      r.ended = info.ended ?? 0;
      r.error = info.error ?? '';
    } catch {
      // the server is away: the banner says so; try the stream again
    }
    if (g === generation) listen(r, g, failures);
  }

  function take(r: RunState, e: EngineerEvent, g: number): void {
    switch (e.type) {
      case 'progress': {
        const stage = { name: e.stage, message: e.message, done: e.done, total: e.total };
        const at = r.stages.findIndex((s) => s.name === e.stage);
        if (at >= 0) r.stages[at] = stage;
        else r.stages.push(stage);
        if (e.stage === 'replay') takeReplay(r, e.message, e.done, e.total);
        break;
      }
      case 'code':
        r.code.set(e.path, e.content);
        if (!r.files.includes(e.path)) r.files.push(e.path);
        break;
      case 'usage':
        r.usage = [
          e.input_tokens !== undefined ? `${e.input_tokens.toLocaleString()} tokens in` : '',
          e.output_tokens !== undefined ? `${e.output_tokens.toLocaleString()} out` : '',
          e.cost_usd !== undefined ? `$${e.cost_usd.toFixed(4)}` : '',
        ]
          .filter(Boolean)
          .join(' · ');
        break;
      case 'complete':
        // asked to replay, but it said no result (replay.py did not start, or crashed)
        if (!r.replay && r.stages.some((s) => s.name === 'replay')) {
          r.replay = { message: r.stages.find((s) => s.name === 'replay')?.message ?? 'no result' };
        }
        r.status = 'complete';
        r.dir = e.scripts_dir || r.dir;
        r.ended ||= Date.now() / 1000;
        for (const f of e.files) if (!r.files.includes(f)) r.files.push(f);
        void finish(r, g);
        break;
      case 'error':
        r.status = 'error';
        r.ended ||= Date.now() / 1000;
        r.error = e.kind ? `${e.message} (${e.kind})` : e.message;
        break;
    }
    render();
  }

  /** A replay progress line: the first says it starts, then one per step (or what went wrong),
   * then the result: "N passed, M failed, K skipped" with total = N+M+K (runs of older servers
   * said "N passed, M failed", total = N+M). */
  function takeReplay(r: RunState, message: string, done: number, total: number): void {
    const m = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/.exec(message);
    const failed = Number(m?.[2]);
    const skipped = Number(m?.[3] ?? 0);
    if (m && Number(m[1]) === done && total === done + failed + skipped) r.replay = { passed: done, failed, skipped };
    else r.replayLog.push(message);
  }

  /** A finished run: its endpoints from openapi.json and model.json (README.md for a run made
   * before model.json), then the first file. */
  async function finish(r: RunState, g: number): Promise<void> {
    try {
      const [spec, model] = await Promise.all([text(r, 'openapi.json'), text(r, 'model.json').catch(() => '')]);
      const readme = model ? '' : await text(r, 'README.md').catch(() => '');
      r.endpoints = endpointsOf(
        JSON.parse(spec) as Parameters<typeof endpointsOf>[0],
        model ? (JSON.parse(model) as Model) : null,
        readme,
      );
    } catch (e) {
      r.endpoints = `No endpoints table: ${api.messageOf(e)}`;
    }
    if (g === generation) render();
  }

  /** A generated file's text, from the stream or the files API. */
  async function text(r: RunState, path: string): Promise<string> {
    const known = r.code.get(path);
    if (known !== undefined) return known;
    const file = await api.readFile(spriteId, `${r.dir}/${path}`, FILE_LIMIT);
    r.code.set(path, file.text);
    return file.text;
  }

  function render(): void {
    if (!run) return;
    const r = run;
    const live = r.status !== 'complete' && r.status !== 'error';
    put(
      head,
      h('h3', null, 'Run ', h('code', null, r.id)),
      badge(r.status, 'run-status'),
      r.started ? h('span', { class: 'muted', title: when(r.started) }, ago(r.started)) : null,
      r.ended && r.started ? h('span', { class: 'muted' }, `took ${duration(r.ended - r.started)}`) : null,
    );
    zip.hidden = r.status !== 'complete';
    zip.href = api.fileUrl(spriteId, r.dir, true);
    zip.download = `${r.id}.zip`;
    put(progress, stageList(r, live));
    put(
      result,
      r.error ? h('div', { class: 'state error', role: 'alert', 'data-testid': 'run-error' }, h('p', { class: 'state-title' }, 'The engineer failed'), h('p', null, r.error)) : null,
      r.replay ? replayResult(r) : null,
      r.usage ? h('p', { class: 'muted small' }, `Model usage: ${r.usage}`) : null,
    );
    endpoints.hidden = r.status !== 'complete';
    files.hidden = r.files.length === 0;
    renderEndpoints(r);
    renderTabs(r);
  }

  function stageList(r: RunState, live: boolean): HTMLElement {
    if (!r.stages.length) {
      return live ? h('p', { class: 'state' }, spinner(), 'Waiting for the engineer to start…') : h('span');
    }
    const items = r.stages.map((s, i) => {
      const current = i === r.stages.length - 1;
      const mark = current && live ? spinner() : current && r.status === 'error' ? h('span', { class: 'mark bad' }, '✕') : h('span', { class: 'mark ok' }, '✓');
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
      { class: `stages-done${r.status === 'error' ? ' is-error' : ''}` },
      h('summary', null, r.status === 'complete' ? `Done: ${plural(r.stages.length, 'stage')}` : `Stopped at ${r.stages[r.stages.length - 1]?.name ?? ''}`),
      list,
    );
  }

  /** "Replay: N passed, N failed, N skipped", and its steps behind a disclosure. */
  function replayResult(r: RunState): HTMLElement | null {
    const res = r.replay;
    if (!res) return null;
    const counted = 'passed' in res;
    const ok = counted && res.failed === 0;
    const line = h(
      'span',
      { 'data-testid': 'replay-result', title: 'replay.py sent the captured requests to the site again through the client' },
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

  function renderTabs(r: RunState): void {
    if (!r.tab && r.files.length) {
      // the client first: it is what the user came for
      select(r, r.files.includes('api_client.py') ? 'api_client.py' : (r.files[0] ?? ''));
      return;
    }
    put(
      tabs,
      r.files.map((f) =>
        h(
          'button',
          {
            class: 'tab',
            type: 'button',
            role: 'tab',
            'aria-selected': String(r.tab === f),
            tabindex: r.tab === f ? 0 : -1,
            'data-testid': 'file-tab',
            'data-path': f,
            on: { click: () => { select(r, f); } },
          },
          f,
        ),
      ),
    );
  }

  // arrow keys move between tabs (the tablist pattern)
  tabs.addEventListener('keydown', (e) => {
    if (!run || (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft')) return;
    const ids = run.files;
    const at = ids.indexOf(run.tab) + (e.key === 'ArrowRight' ? 1 : -1);
    const next = ids[(at + ids.length) % ids.length];
    if (next === undefined) return;
    select(run, next);
    tabs.querySelector<HTMLElement>('[aria-selected="true"]')?.focus();
  });

  function renderEndpoints(r: RunState): void {
    endpointsCount.textContent = Array.isArray(r.endpoints) ? ` (${r.endpoints.length})` : '';
    if (r.endpoints === null) {
      put(endpointsBox, loading('Reading openapi.json…'));
    } else if (typeof r.endpoints === 'string') {
      put(endpointsBox, failed(r.endpoints));
    } else if (!r.endpoints.length) {
      put(endpointsBox, empty('No API endpoints found', 'The capture had no API traffic the engineer could use: only pages, assets or trackers.'));
    } else {
      put(endpointsBox, endpointsTable(r.endpoints));
    }
  }

  function select(r: RunState, path: string): void {
    if (r.tab === path) return;
    r.tab = path;
    renderTabs(r);
    void openFile(r, path);
  }

  async function openFile(r: RunState, path: string): Promise<void> {
    const g = generation;
    const url = api.fileUrl(spriteId, `${r.dir}/${path}`, true);
    // .env holds the credentials captured with the site's traffic: say so where it shows
    const secret = path === '.env' ? h('span', { class: 'secret-note', role: 'note' }, 'captured credentials: keep this file private') : null;
    put(codeBar, h('code', null, path), secret, h('span', { class: 'spacer' }), h('a', { class: 'btn small', href: url, download: path, 'data-testid': 'download-file' }, 'Download'), zip);
    put(codeState, loading(`Loading ${path}…`));
    codeState.hidden = false;
    try {
      const [content, view] = await Promise.all([text(r, path), codeView()]);
      if (g !== generation || r.tab !== path) return;
      codeState.hidden = true;
      view.show(path, content);
    } catch (e) {
      if (g === generation && r.tab === path) put(codeState, failed(`Cannot show ${path}: ${api.messageOf(e)}`, () => void openFile(r, path)));
    }
  }

  /** Monaco is loaded on first use. */
  function codeView(): Promise<CodeView> {
    editorLoading ??= import('../editor').then(({ CodeView }) => (editor = new CodeView(monacoBox)));
    return editorLoading;
  }

  return {
    el,
    show,
    dispose() {
      generation++;
      stopStream();
      editor?.dispose();
    },
  };
}

function endpointsTable(rows: Endpoint[]): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table compact', 'data-testid': 'endpoints-table' },
      h('thead', null, h('tr', null, ['Endpoint', 'Auth', 'Takes values from'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        null,
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
              h('div', { class: 'muted small' }, h('code', null, e.operation), e.variants.length ? ` · GraphQL: ${e.variants.join(', ')}` : ''),
            ),
            h('td', null, e.auth.length ? e.auth.map((a) => h('span', { class: 'chip', title: a.detail }, a.name)) : h('span', { class: 'muted' }, 'none')),
            h('td', { class: 'flows' }, e.inputs.length ? e.inputs.map((f) => h('div', null, f)) : h('span', { class: 'muted' }, '—')),
          ),
        ),
      ),
    ),
  );
}
