// A run's files in Monaco, one tab each, with the download links. The text of a file comes from
// the run's code events, else from the files API; a file written again shows its new text.

import * as api from '../api';
import { h, put } from '../dom';
import type { CodeView } from '../editor';
import { failed, loading } from '../ui';

const FILE_LIMIT = 4 << 20; // generated files are small; a broken one is not loaded whole

export interface CodeTabs {
  /** The tabs, the bar and Monaco. */
  el: HTMLElement;
  /** The zip link of the whole run (also shown in the bar). */
  zip: HTMLAnchorElement;
  /** A new run: its id and where its files are; no tab yet. */
  reset(id: string, dir: string): void;
  /** Where the run's files are (the run record said). */
  setDir(dir: string): void;
  files(): string[];
  /** A file of the run; with content, its text (a code event). Returns whether it is new. */
  add(path: string, content?: string): boolean;
  /** Shows path's tab (its text again if it changed). */
  select(path: string): void;
  /** The tab shown ('' before one). */
  selected(): string;
  /** The text of a file of the run. */
  text(path: string): Promise<string>;
  /** Redraws the tabs; selects first() when none is. */
  render(first?: (files: string[]) => string): void;
  dispose(): void;
}

export function codeTabs(spriteId: string): CodeTabs {
  const tabs = h('div', { class: 'tabs file-tabs', role: 'tablist', 'aria-label': 'Generated files' });
  const zip = h(
    'a',
    { class: 'btn small', 'data-testid': 'download-zip', title: 'Every file of this run as one zip' },
    'Download all (zip)',
  );
  const codeBar = h('div', { class: 'code-bar' });
  const monacoBox = h('div', { class: 'monaco', 'data-testid': 'monaco' });
  const codeState = h('div', { class: 'code-state' });
  const codeBox = h('div', { class: 'code', role: 'tabpanel' }, codeBar, codeState, monacoBox);
  const el = h('div', { class: 'run-files' }, h('div', { class: 'files-bar' }, tabs), codeBox);

  let id = '';
  let dir = '';
  let files: string[] = [];
  let code = new Map<string, string>();
  let tab = '';
  let editor: CodeView | null = null;
  let editorLoading: Promise<CodeView> | null = null;
  let generation = 0; // bumps on reset: late answers for an older run are dropped

  async function text(path: string): Promise<string> {
    const known = code.get(path);
    if (known !== undefined) return known;
    const file = await api.readFile(spriteId, `${dir}/${path}`, FILE_LIMIT);
    code.set(path, file.text);
    return file.text;
  }

  /** Monaco is loaded on first use. */
  function codeView(): Promise<CodeView> {
    editorLoading ??= import('../editor').then(({ CodeView }) => (editor = new CodeView(monacoBox)));
    return editorLoading;
  }

  function render(first?: (files: string[]) => string): void {
    zip.href = api.fileUrl(spriteId, dir, true);
    zip.download = `${id}.zip`;
    if (!tab && files.length) {
      select(first ? first(files) : (files[0] ?? ''));
      return;
    }
    el.hidden = files.length === 0;
    put(
      tabs,
      files.map((f) =>
        h(
          'button',
          {
            class: 'tab',
            type: 'button',
            role: 'tab',
            'aria-selected': String(tab === f),
            tabindex: tab === f ? 0 : -1,
            'data-testid': 'file-tab',
            'data-path': f,
            on: {
              click: () => {
                select(f);
              },
            },
          },
          f,
        ),
      ),
    );
  }

  // arrow keys move between tabs (the tablist pattern)
  tabs.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const at = files.indexOf(tab) + (e.key === 'ArrowRight' ? 1 : -1);
    const next = files[(at + files.length) % files.length];
    if (next === undefined) return;
    select(next);
    tabs.querySelector<HTMLElement>('[aria-selected="true"]')?.focus();
  });

  function select(path: string): void {
    tab = path;
    render();
    // the tab in view, scrolling the tab strip only (not the page)
    const b = tabs.querySelector<HTMLElement>('[aria-selected="true"]');
    if (b) {
      const strip = tabs.getBoundingClientRect();
      const box = b.getBoundingClientRect();
      if (box.left < strip.left) tabs.scrollLeft -= strip.left - box.left + 16;
      else if (box.right > strip.right) tabs.scrollLeft += box.right - strip.right + 16;
    }
    void openFile(path);
  }

  async function openFile(path: string): Promise<void> {
    const g = generation;
    const url = api.fileUrl(spriteId, `${dir}/${path}`, true);
    // .env holds the credentials captured with the site's traffic: say so where it shows
    const secret =
      path === '.env'
        ? h('span', { class: 'secret-note', role: 'note' }, 'captured credentials: keep this file private')
        : null;
    put(
      codeBar,
      h('code', null, path),
      secret,
      h('span', { class: 'spacer' }),
      h(
        'a',
        { class: 'btn small', href: url, download: path.split('/').pop() ?? path, 'data-testid': 'download-file' },
        'Download',
      ),
      zip,
    );
    const shown = editor !== null && code.has(path);
    if (!shown) {
      put(codeState, loading(`Loading ${path}…`));
      codeState.hidden = false;
    }
    try {
      const [content, view] = await Promise.all([text(path), codeView()]);
      if (g !== generation || tab !== path) return;
      codeState.hidden = true;
      view.show(path, content);
    } catch (e) {
      if (g === generation && tab === path) {
        put(
          codeState,
          failed(`Cannot show ${path}: ${api.messageOf(e)}`, () => void openFile(path)),
        );
        codeState.hidden = false;
      }
    }
  }

  return {
    el,
    zip,
    reset(runId, runDir) {
      generation++;
      editor?.dispose();
      editor = null;
      editorLoading = null;
      id = runId;
      dir = runDir;
      files = [];
      code = new Map();
      tab = '';
      put(tabs);
      put(codeBar);
      codeState.hidden = true;
      el.hidden = true;
    },
    setDir(d) {
      dir = d;
    },
    files: () => files,
    add(path, content) {
      const known = files.includes(path);
      if (!known) files.push(path);
      if (content !== undefined) {
        const changed = code.get(path) !== content;
        code.set(path, content);
        // the file on show was written again: show its new text
        if (changed && tab === path && editor) editor.show(path, content);
      }
      return !known;
    },
    select,
    selected: () => tab,
    text,
    render,
    dispose() {
      generation++;
      editor?.dispose();
      editor = null;
    },
  };
}
