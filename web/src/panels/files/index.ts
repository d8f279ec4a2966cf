// The files panel: the sprite's HAR files and generated scripts; preview (the first 200 KB of a
// file), download, delete with confirmation, and Generate on a HAR. Its state is state.ts, its
// calls to the server api.ts, its drawing view.ts; this file is what each action does.

import { messageOf } from '../../api';
import type { Bus } from '../../bus';
import { put } from '../../dom';
import { bytes } from '../../format';
import type { FileEntry } from '../../types';
import { busy, confirmDialog, failed, loading } from '../../ui';
import { filesApi } from './api';
import { baseName, newFilesState, parent, within } from './state';
import { deleteQuestion, fileList, filesLayout, previewBody, previewHead, renderHead, type RowActions } from './view';

export interface FilesPanel {
  el: HTMLElement;
  /** Shows the directory of path and previews path (a file). */
  open(path: string): void;
  refresh(): void;
}

export function filesPanel(spriteId: string, bus: Bus, generate: (harPath: string) => Promise<void>): FilesPanel {
  const calls = filesApi(spriteId);
  const s = newFilesState();
  const v = filesLayout();

  const actions: RowActions = {
    open: (f, path) => {
      if (f.type === 'dir') go(path);
      else void show(path);
    },
    generate: (button, path) =>
      void busy(button, 'Starting…', () =>
        generate(path).catch((e: unknown) => {
          v.message.textContent = `The engineer did not start: ${messageOf(e)}`;
        }),
      ),
    remove: (button, f, path) => void remove(f, path, button),
    download: calls.download,
  };

  function go(dir: string): void {
    s.cwd = dir;
    v.message.textContent = '';
    void load();
  }

  async function load(): Promise<void> {
    const token = ++s.token;
    renderHead(v, s.cwd, go);
    if (!v.list.firstChild) put(v.list, loading('Loading files…'));
    try {
      const entries = await calls.list(s.cwd);
      if (token !== s.token) return;
      put(v.list, fileList(entries, s.cwd, s.selected, actions));
    } catch (e) {
      if (token !== s.token) return;
      put(
        v.list,
        failed(messageOf(e), () => void load()),
      );
    }
  }

  async function remove(f: FileEntry, path: string, button: HTMLButtonElement): Promise<void> {
    const body = deleteQuestion(f, path);
    const yes = await confirmDialog({ title: `Delete ${f.name}?`, body, confirm: 'Delete', danger: true });
    if (!yes) return;
    await busy(button, 'Deleting…', async () => {
      try {
        await calls.remove(path);
        v.message.textContent = `Deleted ${f.name}.`;
        if (within(s.selected, path)) closePreview();
        await load();
      } catch (e) {
        v.message.textContent = `Cannot delete ${f.name}: ${messageOf(e)}`;
      }
    });
  }

  function closePreview(): void {
    s.selected = '';
    v.preview.hidden = true;
    v.list.querySelector('.is-selected')?.classList.remove('is-selected');
  }

  async function show(path: string): Promise<void> {
    s.selected = path;
    v.list.querySelectorAll('.file').forEach((li) => {
      li.classList.toggle('is-selected', `${s.cwd}/${(li as HTMLElement).dataset.name ?? ''}` === path);
    });
    const name = baseName(path);
    const head = (size: string) => previewHead(name, calls.download(path), size, closePreview);
    v.preview.hidden = false;
    put(v.preview, head(''), loading(`Loading ${name}…`));
    try {
      const file = await calls.preview(path);
      if (s.selected !== path) return;
      const size = file.size === null ? '' : bytes(file.size);
      put(v.preview, head(size), previewBody(file, size));
    } catch (e) {
      if (s.selected === path)
        put(
          v.preview,
          head(''),
          failed(messageOf(e), () => void show(path)),
        );
    }
  }

  bus.on('files', () => void load());
  void load();

  return {
    el: v.el,
    open(path: string) {
      s.cwd = parent(path);
      void load().then(() => show(path));
    },
    refresh: () => void load(),
  };
}
