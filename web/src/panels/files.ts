// The files panel: the sprite's HAR files and generated scripts; preview (the first 200 KB of a
// file), download, delete with confirmation, and Generate on a HAR.

import * as api from '../api';
import type { Bus } from '../bus';
import { h, put } from '../dom';
import { ago, bytes, when } from '../format';
import type { FileEntry } from '../types';
import { busy, confirmDialog, empty, failed, loading } from '../ui';

const ROOTS = [
  { path: '/workspace/har', label: 'HAR files' },
  { path: '/workspace/scripts', label: 'Scripts' },
];
const PREVIEW_LIMIT = 200 * 1024;

export interface FilesPanel {
  el: HTMLElement;
  /** Shows the directory of path and previews path (a file). */
  open(path: string): void;
  refresh(): void;
}

const parent = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';
const rootOf = (path: string) => ROOTS.find((r) => path === r.path || path.startsWith(`${r.path}/`)) ?? ROOTS[0];

export function filesPanel(spriteId: string, bus: Bus, generate: (harPath: string) => Promise<void>): FilesPanel {
  let cwd = ROOTS[0]?.path ?? '/workspace';
  let selected = '';
  let loadToken = 0;

  const roots = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Folder' });
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Path' });
  const list = h('div', { class: 'list-box files-list' });
  const message = h('div', { class: 'form-message', role: 'status' });
  const preview = h('div', { class: 'preview', hidden: true });
  const el = h(
    'section',
    { class: 'panel files', 'aria-label': 'Files' },
    h('div', { class: 'files-head' }, roots, crumbs),
    message,
    list,
    preview,
  );

  function renderHead(): void {
    const root = rootOf(cwd);
    put(
      roots,
      ROOTS.map((r) =>
        h(
          'button',
          {
            class: 'btn small',
            type: 'button',
            'aria-pressed': String(r === root),
            'data-testid': `files-root-${r.path.split('/').pop() ?? ''}`,
            on: {
              click: () => {
                go(r.path);
              },
            },
          },
          r.label,
        ),
      ),
    );
    // the folders below the root, each a step back up
    const parts: HTMLElement[] = [];
    let at = root?.path ?? '';
    for (const name of cwd.slice(at.length).split('/').filter(Boolean)) {
      at = `${at}/${name}`;
      const target = at;
      parts.push(
        h('span', { class: 'sep', 'aria-hidden': 'true' }, '/'),
        target === cwd
          ? h('span', { 'aria-current': 'page' }, name)
          : h(
              'button',
              {
                class: 'link',
                type: 'button',
                on: {
                  click: () => {
                    go(target);
                  },
                },
              },
              name,
            ),
      );
    }
    put(crumbs, h('code', null, root?.path ?? ''), parts);
  }

  function go(dir: string): void {
    cwd = dir;
    message.textContent = '';
    void load();
  }

  async function load(): Promise<void> {
    const token = ++loadToken;
    renderHead();
    if (!list.firstChild) put(list, loading('Loading files…'));
    try {
      const entries = (await api.listDir(spriteId, cwd)).entries;
      if (token !== loadToken) return;
      entries.sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || b.mtime - a.mtime);
      put(
        list,
        entries.length
          ? h('ul', { class: 'rows', 'data-testid': 'files-list' }, entries.map(row))
          : empty(
              cwd.endsWith('/har')
                ? 'No HAR files yet'
                : cwd.endsWith('/scripts')
                  ? 'No scripts yet'
                  : 'This folder is empty',
              cwd.endsWith('/har')
                ? 'Each capture writes one here.'
                : cwd.endsWith('/scripts')
                  ? 'Each engineer run writes a folder here.'
                  : undefined,
            ),
      );
    } catch (e) {
      if (token !== loadToken) return;
      put(
        list,
        failed(api.messageOf(e), () => void load()),
      );
    }
  }

  function row(f: FileEntry): HTMLElement {
    const path = `${cwd}/${f.name}`;
    const dir = f.type === 'dir';
    const actions: HTMLElement[] = [];
    if (f.name.endsWith('.har') && !dir) {
      const gen = h(
        'button',
        { class: 'btn small', type: 'button', title: 'Run the engineer on this HAR', 'data-testid': 'file-generate' },
        'Generate',
      );
      gen.addEventListener('click', () => {
        void busy(gen, 'Starting…', () =>
          generate(path).catch((e: unknown) => {
            message.textContent = `The engineer did not start: ${api.messageOf(e)}`;
          }),
        );
      });
      actions.push(gen);
    }
    actions.push(
      h(
        'a',
        {
          class: 'btn small',
          href: api.fileUrl(spriteId, path, true),
          download: dir ? `${f.name}.zip` : f.name,
          'data-testid': 'file-download',
          'aria-label': `Download ${f.name}`,
        },
        dir ? 'Zip' : 'Download',
      ),
    );
    const del = h(
      'button',
      {
        class: 'btn small danger-text',
        type: 'button',
        'data-testid': 'file-delete',
        'aria-label': `Delete ${f.name}`,
      },
      'Delete',
    );
    del.addEventListener('click', () => void remove(f, path, del));
    actions.push(del);
    return h(
      'li',
      {
        class: `file${path === selected ? ' is-selected' : ''}`,
        'data-testid': 'file-row',
        'data-name': f.name,
        'data-type': f.type,
      },
      h(
        'div',
        { class: 'file-main' },
        h(
          'button',
          {
            class: 'file-name link',
            type: 'button',
            on: {
              click: () => {
                if (dir) go(path);
                else void show(path);
              },
            },
          },
          h('span', { class: 'file-icon', 'aria-hidden': 'true' }, dir ? '▸' : '·'),
          f.name,
        ),
        h(
          'span',
          { class: 'muted small file-meta', title: when(f.mtime) },
          dir ? `folder · ${ago(f.mtime)}` : `${bytes(f.size)} · ${ago(f.mtime)}`,
        ),
      ),
      h('span', { class: 'file-actions' }, actions),
    );
  }

  async function remove(f: FileEntry, path: string, button: HTMLButtonElement): Promise<void> {
    const yes = await confirmDialog({
      title: `Delete ${f.name}?`,
      body: [
        h(
          'p',
          null,
          'This removes ',
          h('code', null, path),
          f.type === 'dir' ? ' and everything in it' : '',
          ' from the sprite.',
        ),
        h('p', { class: 'muted' }, 'A checkpoint made before still has it.'),
      ],
      confirm: 'Delete',
      danger: true,
    });
    if (!yes) return;
    await busy(button, 'Deleting…', async () => {
      try {
        await api.deleteFile(spriteId, path);
        message.textContent = `Deleted ${f.name}.`;
        if (selected === path || selected.startsWith(`${path}/`)) closePreview();
        await load();
      } catch (e) {
        message.textContent = `Cannot delete ${f.name}: ${api.messageOf(e)}`;
      }
    });
  }

  function closePreview(): void {
    selected = '';
    preview.hidden = true;
    list.querySelector('.is-selected')?.classList.remove('is-selected');
  }

  async function show(path: string): Promise<void> {
    selected = path;
    list.querySelectorAll('.file').forEach((li) => {
      li.classList.toggle('is-selected', `${cwd}/${(li as HTMLElement).dataset.name ?? ''}` === path);
    });
    const name = path.slice(path.lastIndexOf('/') + 1);
    const head = (size: string) =>
      h(
        'div',
        { class: 'preview-head' },
        h('code', null, name),
        h('span', { class: 'muted small' }, size),
        h('span', { class: 'spacer' }),
        h('a', { class: 'btn small', href: api.fileUrl(spriteId, path, true), download: name }, 'Download'),
        h(
          'button',
          { class: 'btn small ghost', type: 'button', 'aria-label': 'Close the preview', on: { click: closePreview } },
          '✕',
        ),
      );
    preview.hidden = false;
    put(preview, head(''), loading(`Loading ${name}…`));
    try {
      const file = await api.readFile(spriteId, path, PREVIEW_LIMIT);
      if (selected !== path) return;
      const size = file.size === null ? '' : bytes(file.size);
      put(
        preview,
        head(size),
        file.binary
          ? empty('Not a text file', 'Download it to look inside.')
          : [
              file.truncated
                ? h(
                    'p',
                    { class: 'muted small note' },
                    `Showing the first ${bytes(PREVIEW_LIMIT)}${size ? ` of ${size}` : ''}. Download it for the rest.`,
                  )
                : null,
              h('pre', { class: 'preview-text', 'data-testid': 'file-preview', tabindex: 0 }, file.text),
            ],
      );
    } catch (e) {
      if (selected === path)
        put(
          preview,
          head(''),
          failed(api.messageOf(e), () => void show(path)),
        );
    }
  }

  bus.on('files', () => void load());
  void load();

  return {
    el,
    open(path: string) {
      cwd = parent(path);
      void load().then(() => show(path));
    },
    refresh: () => void load(),
  };
}
