// The files panel's state: the folder on show and the file previewed, and what follows from them
// (the root and the path steps above, the order of a listing, what an empty folder says). No DOM.

import { bytes } from '../../format';
import type { FileEntry } from '../../types';

export const ROOTS = [
  { path: '/workspace/har', label: 'HAR files' },
  { path: '/workspace/scripts', label: 'Scripts' },
];
export type Root = (typeof ROOTS)[number];

/** A preview reads the first 200 KB of a file. */
export const PREVIEW_LIMIT = 200 * 1024;

export interface FilesState {
  /** The folder listed. */
  cwd: string;
  /** The file previewed ('' for none). */
  selected: string;
  /** Bumps on each listing asked for: a late answer for an older one is dropped. */
  token: number;
}

export const newFilesState = (): FilesState => ({ cwd: ROOTS[0]?.path ?? '/workspace', selected: '', token: 0 });

export const parent = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';
export const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
export const rootOf = (path: string): Root | undefined =>
  ROOTS.find((r) => path === r.path || path.startsWith(`${r.path}/`)) ?? ROOTS[0];

/** The path is dir or inside it. */
export const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/** A folder below the root, on the way to cwd; current: cwd itself. */
export interface Step {
  name: string;
  path: string;
  current: boolean;
}

/** The folders from the root of cwd down to cwd, each a step back up. */
export function steps(cwd: string): Step[] {
  let at = rootOf(cwd)?.path ?? '';
  return cwd
    .slice(at.length)
    .split('/')
    .filter(Boolean)
    .map((name) => {
      at = `${at}/${name}`;
      return { name, path: at, current: at === cwd };
    });
}

/** Folders first, then the newest first. */
export const listed = (entries: FileEntry[]): FileEntry[] =>
  [...entries].sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || b.mtime - a.mtime);

/** What an empty folder says: a root says what comes into it. */
export function emptyFolder(cwd: string): { title: string; detail?: string } {
  if (cwd.endsWith('/har')) return { title: 'No HAR files yet', detail: 'Each capture writes one here.' };
  if (cwd.endsWith('/scripts')) return { title: 'No scripts yet', detail: 'Each engineer run writes a folder here.' };
  return { title: 'This folder is empty' };
}

/** The line over a preview cut at PREVIEW_LIMIT; size: the whole file's, '' when not known. */
export const cutNote = (size: string) =>
  `Showing the first ${bytes(PREVIEW_LIMIT)}${size ? ` of ${size}` : ''}. Download it for the rest.`;
