// Whether the AI engineer has a model (GET /api/llm), asked once and shared by the pages: the
// prompt boxes show only with one; the settings page tells the others when the key changed.

import * as api from './api';
import type { LlmState } from './types';

let pending: Promise<LlmState> | null = null;
let last: LlmState | null = null;
const listeners = new Set<(s: LlmState) => void>();

/** The state, asked of the server on first use (or again after a failure or a change). */
export function llmState(): Promise<LlmState> {
  pending ??= api.llm().then(
    (s) => {
      last = s;
      return s;
    },
    (e: unknown) => {
      pending = null;
      throw e;
    },
  );
  return pending;
}

/** The last answer, or null before one. */
export const knownLlm = (): LlmState | null => last;

/** A new state (after a key was stored or deleted, or asked again). */
export function setLlmState(s: LlmState): void {
  last = s;
  pending = Promise.resolve(s);
  listeners.forEach((fn) => {
    fn(s);
  });
}

/** Asks the server again (after a run: the budget's spent part moved). */
export async function refreshLlm(): Promise<LlmState> {
  pending = null;
  const s = await llmState();
  setLlmState(s);
  return s;
}

/** fn(state) on each change; returns the function that stops listening. */
export function onLlmChange(fn: (s: LlmState) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
