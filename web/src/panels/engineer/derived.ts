// What the engineer panel shows, worked out from a run's state (state.ts): no DOM, so that it is
// tested without a browser; view.ts and draw.ts turn it into elements.

import type { Stage, Usage } from '../../engineer/chat';
import type { LlmState } from '../../types';
import { isLive, type RunState } from './state';

/** The server's "how" as a sentence: "No model is configured: …". */
export const sentence = (text: string) =>
  `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

/** The chat of an AI run, or the deterministic run's progress and result. */
export const layoutOf = (r: RunState): 'chat' | 'plain' => (r.ai ? 'chat' : 'plain');

/** Tokens and cost of the run so far: the stream's totals, else the record's. */
export function meterUsage(r: RunState): Usage | null {
  const u = r.recordUsage;
  return (
    r.chat.usage ??
    (u && {
      input: u.inputTokens,
      output: u.outputTokens,
      cacheRead: u.cacheReadTokens,
      cacheWrite: u.cacheWriteTokens,
      cost: u.costUsd,
    })
  );
}

/** The endpoints table shows once the run is complete, or an AI run's client was read. */
export const endpointsShown = (r: RunState) => r.status === 'complete' || (r.ai && r.endpoints !== null);

/** The tab shown first: the client, what the user came for. */
export const firstFile = (files: string[]) => (files.includes('api_client.py') ? 'api_client.py' : (files[0] ?? ''));

/** The client's stages in a chat ended well when they reached "engineered" (the model's part
 * follows); else as the run did. */
export const clientStatus = (stages: Stage[], status: string) =>
  stages.some((s) => s.name === 'engineered') ? 'complete' : status;

/** The message box under a run and the note beside it. */
export interface Footer {
  /** No model, or a deterministic run still going. */
  boxHidden: boolean;
  /** How to have a model, as a sentence ('' when the server said nothing). */
  note: string;
  noteHidden: boolean;
  /** The next message starts a new run from this one (a deterministic run's only way). */
  fresh: boolean;
  /** The run goes on: a follow-up waits. */
  blocked: boolean;
}

export function footerOf(r: RunState, llm: LlmState | null): Footer {
  const can = llm?.configured === true;
  const live = isLive(r);
  return {
    boxHidden: !can || (!r.ai && live),
    note: llm?.how ? sentence(llm.how) : '',
    noteHidden: can || !llm?.how,
    fresh: r.fresh || !r.ai,
    blocked: live,
  };
}
