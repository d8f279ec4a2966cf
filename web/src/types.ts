// The shapes of the rae server's JSON API (docs/api.md).

export interface User {
  id: number;
  name: string;
  admin: boolean;
}

/** A sprite: running (processes), idle (none), warm (frozen), cold (stopped, services wanted). */
export interface Sprite {
  id: string;
  state: string;
  created: number;
  lastActive: number;
  diskUsed: number;
  processes: number;
}

/** One capture or engineer run of the history; times are unix seconds. */
export interface Session {
  id: string;
  kind: 'capture' | 'run';
  sprite: string;
  status: string;
  started: number;
  ended?: number;
  error?: string;
  url?: string;
  har_path?: string;
  scripts_dir?: string;
  entries?: number;
  endpoints?: number;
}

export interface BrowserStart {
  vncUrl: string;
  harPath: string;
  captureId: string;
}

export interface BrowserStop {
  harPath: string;
  checkpoint: string;
  captureId: string;
}

/** The capture that is running, if any (`running: false` without one). */
export interface BrowserStatus {
  running: boolean;
  /** Chromium does not answer yet. */
  starting?: boolean;
  /** Why the capture is no longer running, when it ended by itself. */
  error?: string;
  entries?: number;
  pages?: number;
  tabs?: number;
  bytes?: number;
  startedAt?: number;
  /** The address of the tab in use (the start address until Chromium answers). */
  url?: string;
  startUrl?: string;
  title?: string;
  harPath?: string;
  captureId?: string;
}

export interface RunStart {
  runId: string;
  scriptsDir: string;
  streamUrl: string;
}

export interface Run {
  id: string;
  status: string;
  started: number;
  ended?: number;
  error?: string;
  harPath?: string;
  scriptsDir?: string;
  files?: string[];
  endpoints?: number;
  prompt?: string;
  /** The replay's outcome, when the run was asked to replay and it gave one. `skipped` (calls
   * whose request body the HAR lacks, and steps that needed a value from one) is absent from runs
   * recorded before skips were counted. */
  replay?: { passed: number; failed: number; skipped?: number };
}

export interface FileEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  mtime: number;
}

export interface Listing {
  path: string;
  entries: FileEntry[];
}

export interface Checkpoint {
  id: string;
  time: number;
  comment: string;
  automatic: boolean;
  files: number;
  bytes: number;
  added: number;
}

/** The events of an engineer run (DESIGN.md, "One event protocol"). */
export type EngineerEvent =
  | { type: 'progress'; stage: string; message: string; done: number; total: number }
  | { type: 'code'; path: string; language: string; content: string }
  | { type: 'usage'; input_tokens?: number; output_tokens?: number; cost_usd?: number }
  | { type: 'complete'; scripts_dir: string; files: string[] }
  | { type: 'error'; kind: string; message: string };
