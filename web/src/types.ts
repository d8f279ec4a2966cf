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
  /** The AI engineer answers (a prompt with a model configured); false: the deterministic run. */
  ai?: boolean;
}

/** What a run's model answers used, over its whole conversation. */
export interface RunUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** null: the model's price is not known. */
  costUsd: number | null;
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
  /** A run of the AI engineer (a conversation), not only the deterministic client. */
  ai?: boolean;
  model?: string;
  /** The run this one was re-engineered from. */
  fromRun?: string;
  usage?: RunUsage;
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

/** The model's tools, as the AI engineer names them in its tool events. */
export type ToolName = 'search_har' | 'get_entry' | 'read_file' | 'write_file' | 'run' | 'finish';

/** The events of an engineer run (DESIGN.md, "One event protocol"). An AI run also has message
 * and tool events, and usage events that are the totals of its whole conversation so far. */
export type EngineerEvent =
  | { type: 'progress'; stage: string; message: string; done: number; total: number }
  | { type: 'code'; path: string; language: string; content: string }
  | {
      type: 'usage';
      input_tokens?: number;
      output_tokens?: number;
      cache_read_tokens?: number;
      cache_write_tokens?: number;
      /** null: the model's price is not known. */
      cost_usd?: number | null;
    }
  | { type: 'complete'; scripts_dir: string; files: string[]; message?: string }
  | { type: 'error'; kind: string; message: string }
  /** role "user": the person's message; no role: a piece of the model's streamed answer. */
  | { type: 'message'; role?: 'user'; text: string }
  /** call: message is the call's input as JSON text; result: "exit status 0\n<output>" for run. */
  | { type: 'tool'; tool: ToolName | (string & {}); phase: 'call' | 'result'; message: string };

// ---- the AI engineer's model, keys and usage ----

export type Provider = 'anthropic' | 'openai';

/** GET /api/llm: whether a run with a prompt is an AI run, whose key it uses, the budget. */
export interface LlmState {
  configured: boolean;
  provider: Provider | null;
  /** The default model of the user's runs. */
  model: string | null;
  /** Whose key the runs use: the user's own first. */
  source: 'own' | 'server' | null;
  /** When not configured: what to do, one sentence. */
  how: string | null;
  ownKey: { set: boolean; provider: Provider | null; added: number | null };
  budget: { monthlyUsd: number | null; spentUsd: number; leftUsd: number | null };
  /** AI runs a user may have going at once. */
  maxRuns: number;
}

/** Tokens and cost of model answers (GET /api/usage). */
export interface UsageCounts {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  answers: number;
  /** Answers of a model whose price is not known: their cost is not in cost_usd. */
  unpriced_answers: number;
}

export interface UsageReport {
  from: number;
  to: number;
  all: boolean;
  total: UsageCounts;
  /** "2026-05-14" (UTC), in order. */
  days: (UsageCounts & { day: string })[];
  /** The costliest first (at most 100). */
  runs: (UsageCounts & { run: string; user?: string; model?: string })[];
  /** With all: each user's, the costliest first. */
  users?: (UsageCounts & { user: string })[];
}
