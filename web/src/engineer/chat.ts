// The conversation of an AI run, taken from its events: what the person asked, the model's
// answers (streamed pieces joined into one), each tool call with its result, the stages of the
// deterministic client that comes first, and how each answer ended. No DOM here (chatview.ts
// draws it); each item has a version that moves when it changes, so only changed items redraw.

import type { EngineerEvent } from '../types';

export interface Stage {
  name: string;
  message: string;
  done: number;
  total: number;
}

export type ChatItem =
  /** The deterministic client's stages (reading the HAR ... engineered). */
  | { kind: 'stages'; stages: Stage[] }
  | { kind: 'user'; text: string }
  /** The model's words: consecutive pieces, until a tool call or a message of the person. */
  | { kind: 'answer'; text: string }
  /** result: null while the call runs. */
  | { kind: 'tool'; tool: string; input: string; result: string | null }
  /** A progress line of the model's part: a retry, the log cut short. */
  | { kind: 'note'; stage: string; text: string }
  /** An answer ended: finish's summary, the files the model wrote. */
  | { kind: 'done'; summary: string; files: string[] }
  | { kind: 'error'; errorKind: string; message: string };

export type Item = ChatItem & { v: number };

export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** null: the model's price is not known. */
  cost: number | null;
}

/** Progress stages of the model's part (the deterministic client's are the others). */
const MODEL_STAGES = new Set(['model', 'retry', 'log']);

export class Chat {
  readonly items: Item[] = [];
  /** The totals of the whole conversation so far (usage events are totals). */
  usage: Usage | null = null;
  /** The model, as its "model" progress said. */
  model = '';
  /** A message or tool event came: this is an AI run. */
  ai = false;
  /** An answer is under way: from a message of the person (or the start) to complete/error. */
  answering = true;
  private version = 0;
  private summary = ''; // the last finish call's

  private push(item: ChatItem): void {
    this.items.push({ ...item, v: ++this.version });
  }

  private last(): Item | undefined {
    return this.items[this.items.length - 1];
  }

  private touch(item: Item): void {
    item.v = ++this.version;
  }

  /** Takes one event in. */
  take(e: EngineerEvent): void {
    switch (e.type) {
      case 'message':
        this.ai = true;
        if (e.role === 'user') {
          this.push({ kind: 'user', text: e.text });
          this.answering = true;
          break;
        }
        this.answering = true;
        this.appendAnswer(e.text);
        break;
      case 'tool':
        this.ai = true;
        this.takeTool(e.tool, e.phase, e.message);
        break;
      case 'progress':
        this.takeProgress({ name: e.stage, message: e.message, done: e.done, total: e.total });
        break;
      case 'usage':
        this.usage = {
          input: e.input_tokens,
          output: e.output_tokens,
          cacheRead: e.cache_read_tokens ?? 0,
          cacheWrite: e.cache_write_tokens ?? 0,
          cost: e.cost_usd ?? null,
        };
        break;
      case 'complete':
        this.answering = false;
        this.push({ kind: 'done', summary: e.message?.trim() ? e.message : this.summary, files: e.files });
        this.summary = '';
        break;
      case 'error':
        this.answering = false;
        this.push({ kind: 'error', errorKind: e.kind, message: e.message });
        break;
      case 'code':
        break; // the files are the panel's
    }
  }

  private appendAnswer(text: string): void {
    const last = this.last();
    if (last?.kind === 'answer') {
      last.text += text;
      this.touch(last);
    } else {
      this.push({ kind: 'answer', text });
    }
  }

  private takeTool(tool: string, phase: string, message: string): void {
    // finish says the answer is done: its summary shows with the end of the answer, not as a call
    if (tool === 'finish') {
      if (phase === 'call') this.summary = str(parseInput(message)?.summary);
      return;
    }
    if (phase === 'call') {
      this.push({ kind: 'tool', tool, input: message, result: null });
      return;
    }
    // a result answers the last call of that tool still waiting
    for (let i = this.items.length - 1; i >= 0; i--) {
      const item = this.items[i];
      if (item?.kind === 'tool' && item.tool === tool && item.result === null) {
        item.result = message;
        this.touch(item);
        return;
      }
    }
    this.push({ kind: 'tool', tool, input: '', result: message });
  }

  private takeProgress(s: Stage): void {
    if (s.name === 'model') {
      this.model = s.message;
      return;
    }
    if (MODEL_STAGES.has(s.name)) {
      this.push({ kind: 'note', stage: s.name, text: s.message });
      return;
    }
    // the client's stages: one item per message of the person (a follow-up writes the client
    // again), each stage updated in place
    let item: Item | undefined;
    for (let i = this.items.length - 1; i >= 0 && !item; i--) {
      const it = this.items[i];
      if (it?.kind === 'user') break;
      if (it?.kind === 'stages') item = it;
    }
    if (!item) {
      this.push({ kind: 'stages', stages: [] });
      item = this.last();
    }
    if (item?.kind !== 'stages') return;
    const at = item.stages.findIndex((x) => x.name === s.name);
    if (at >= 0) item.stages[at] = s;
    else item.stages.push(s);
    this.touch(item);
  }

  /** The tool call still running, if any (the last one without a result while answering). */
  running(): Item | null {
    if (!this.answering) return null;
    const last = this.last();
    return last?.kind === 'tool' && last.result === null ? last : null;
  }
}

// ---- what a tool call and its result say, in one line ----

export interface ToolLine {
  /** "run", "write", "read", "search the HAR for", "entry", "finish" */
  verb: string;
  /** The command, the path, the pattern… */
  arg: string;
  /** The call's input, parsed (null: it was not a JSON object). */
  input: Record<string, unknown> | null;
}

function parseInput(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

export function toolLine(tool: string, inputText: string): ToolLine {
  const input = parseInput(inputText);
  const get = (k: string) => str(input?.[k]);
  switch (tool) {
    case 'run':
      return { verb: 'run', arg: get('command'), input };
    case 'write_file':
      return { verb: 'write', arg: get('path'), input };
    case 'read_file':
      return { verb: 'read', arg: get('path'), input };
    case 'search_har':
      return { verb: 'search the HAR for', arg: get('pattern'), input };
    case 'get_entry':
      return { verb: 'read HAR entry', arg: get('index'), input };
    case 'finish':
      return { verb: 'finish', arg: '', input };
    default:
      return { verb: tool, arg: input ? '' : inputText, input };
  }
}

/** The lines of a text, without the empty last one. */
function lineCount(text: string): number {
  const t = text.replace(/\n+$/u, '');
  return t ? t.split('\n').length : 0;
}

const linesOf = (n: number) => `${n} line${n === 1 ? '' : 's'}`;

export interface ToolOutcome {
  /** "exit 0, 12 lines", "wrote 1.2 KB", "3 entries" */
  text: string;
  ok: boolean;
  /** The output itself (run: without the status line). */
  output: string;
}

/** A tool result in a few words: `exit 0, 12 lines` for run. */
export function toolOutcome(tool: string, result: string): ToolOutcome {
  if (tool === 'run') {
    const nl = result.indexOf('\n');
    const head = nl < 0 ? result : result.slice(0, nl);
    const output = nl < 0 ? '' : result.slice(nl + 1);
    const exit = /^exit status (\d+)$/u.exec(head);
    const n = lineCount(output);
    if (exit) return { text: `exit ${exit[1] ?? ''}, ${linesOf(n)}`, ok: exit[1] === '0', output };
    const signal = /^ended by signal (\d+)$/u.exec(head);
    if (signal) return { text: `ended by signal ${signal[1] ?? ''}`, ok: false, output };
    if (head.startsWith('stopped after')) return { text: 'stopped: the time limit', ok: false, output };
    return { text: head, ok: false, output };
  }
  if (tool === 'write_file') {
    const m = /^wrote \S+ \((\d+) bytes\)/u.exec(result);
    return { text: m ? `wrote ${m[1] ?? ''} bytes` : firstLine(result), ok: !!m, output: result };
  }
  if (tool === 'search_har' && result.startsWith('no entry'))
    return { text: 'nothing found', ok: true, output: result };
  if (tool === 'finish') return { text: 'done', ok: true, output: result };
  return { text: linesOf(lineCount(result)), ok: true, output: result };
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
