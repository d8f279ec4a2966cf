// The files panel drawn: the root buttons and the path, the listing with each file's actions, the
// preview of a file. What a click does is the panel's (index.ts).

import { h, put } from '../../dom';
import { ago, bytes, when } from '../../format';
import type { Text } from '../../api';
import type { FileEntry } from '../../types';
import { empty } from '../../ui';
import { cutNote, emptyFolder, ROOTS, rootOf, steps } from './state';

export interface FilesLayout {
  el: HTMLElement;
  roots: HTMLElement;
  crumbs: HTMLElement;
  list: HTMLElement;
  /** What the last action did (or why it did not). */
  message: HTMLElement;
  preview: HTMLElement;
}

export function filesLayout(): FilesLayout {
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
  return { el, roots, crumbs, list, message, preview };
}

/** The root buttons (the one of cwd pressed), then the path from the root, each folder a step
 * back up. */
export function renderHead(v: FilesLayout, cwd: string, go: (dir: string) => void): void {
  const root = rootOf(cwd);
  put(
    v.roots,
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
  const parts = steps(cwd).flatMap((s) => [
    h('span', { class: 'sep', 'aria-hidden': 'true' }, '/'),
    s.current
      ? h('span', { 'aria-current': 'page' }, s.name)
      : h(
          'button',
          {
            class: 'link',
            type: 'button',
            on: {
              click: () => {
                go(s.path);
              },
            },
          },
          s.name,
        ),
  ]);
  put(v.crumbs, h('code', null, root?.path ?? ''), parts);
}

/** What a row's buttons do. */
export interface RowActions {
  /** A folder is listed, a file previewed. */
  open(f: FileEntry, path: string): void;
  generate(button: HTMLButtonElement, path: string): void;
  remove(button: HTMLButtonElement, f: FileEntry, path: string): void;
  /** The address that downloads path. */
  download(path: string): string;
}

/** The entries of cwd, or what an empty folder says. */
export function fileList(entries: FileEntry[], cwd: string, selected: string, actions: RowActions): HTMLElement {
  if (!entries.length) {
    const e = emptyFolder(cwd);
    return empty(e.title, e.detail);
  }
  return h(
    'ul',
    { class: 'rows', 'data-testid': 'files-list' },
    entries.map((f) => fileRow(f, `${cwd}/${f.name}`, selected, actions)),
  );
}

function fileRow(f: FileEntry, path: string, selected: string, actions: RowActions): HTMLElement {
  const dir = f.type === 'dir';
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
              actions.open(f, path);
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
    h('span', { class: 'file-actions' }, rowActions(f, path, actions)),
  );
}

/** Generate (on a HAR), Download (Zip for a folder), Delete. */
function rowActions(f: FileEntry, path: string, actions: RowActions): HTMLElement[] {
  const dir = f.type === 'dir';
  const out: HTMLElement[] = [];
  if (f.name.endsWith('.har') && !dir) {
    const gen = h(
      'button',
      { class: 'btn small', type: 'button', title: 'Run the engineer on this HAR', 'data-testid': 'file-generate' },
      'Generate',
    );
    gen.addEventListener('click', () => {
      actions.generate(gen, path);
    });
    out.push(gen);
  }
  out.push(
    h(
      'a',
      {
        class: 'btn small',
        href: actions.download(path),
        download: dir ? `${f.name}.zip` : f.name,
        'data-testid': 'file-download',
        'aria-label': `Download ${f.name}`,
      },
      dir ? 'Zip' : 'Download',
    ),
  );
  const del = h(
    'button',
    { class: 'btn small danger-text', type: 'button', 'data-testid': 'file-delete', 'aria-label': `Delete ${f.name}` },
    'Delete',
  );
  del.addEventListener('click', () => {
    actions.remove(del, f, path);
  });
  out.push(del);
  return out;
}

/** The confirmation's text before f (at path) is deleted. */
export function deleteQuestion(f: FileEntry, path: string): HTMLElement[] {
  return [
    h(
      'p',
      null,
      'This removes ',
      h('code', null, path),
      f.type === 'dir' ? ' and everything in it' : '',
      ' from the sprite.',
    ),
    h('p', { class: 'muted' }, 'A checkpoint made before still has it.'),
  ];
}

/** The preview's bar: the file's name and size, Download, close. */
export function previewHead(name: string, href: string, size: string, close: () => void): HTMLElement {
  return h(
    'div',
    { class: 'preview-head' },
    h('code', null, name),
    h('span', { class: 'muted small' }, size),
    h('span', { class: 'spacer' }),
    h('a', { class: 'btn small', href, download: name }, 'Download'),
    h(
      'button',
      { class: 'btn small ghost', type: 'button', 'aria-label': 'Close the preview', on: { click: close } },
      '✕',
    ),
  );
}

/** The file's text (a note when it was cut), or why it is not shown. */
export function previewBody(file: Text, size: string): HTMLElement | HTMLElement[] {
  if (file.binary) return empty('Not a text file', 'Download it to look inside.');
  return [
    ...(file.truncated ? [h('p', { class: 'muted small note' }, cutNote(size))] : []),
    h('pre', { class: 'preview-text', 'data-testid': 'file-preview', tabindex: 0 }, file.text),
  ];
}
