// The engineer panel's calls to the server, for one sprite: its past runs, a run's record, its
// event stream, a follow-up, Stop, and the endpoints of a finished client read from its files.

import * as api from '../../api';
import { endpointsOf, type Endpoint, type Model } from '../../engineer/endpoints';
import { openStream, type StreamEnd } from '../../engineer/stream';
import { llmState } from '../../llm';
import type { EngineerEvent } from '../../types';

export function engineerApi(spriteId: string) {
  const sp = encodeURIComponent(spriteId);
  return {
    /** This sprite's engineer runs. */
    runs: async () => (await api.sessions()).sessions.filter((s) => s.kind === 'run' && s.sprite === spriteId),
    /** A run's record; for an AI run, the model's state is asked too (the message box needs it). */
    async run(runId: string) {
      const info = (await api.run(spriteId, runId)).run;
      if (info.ai) await llmState().catch(() => null);
      return info;
    },
    /** The record only (the stream dropped: what does the run say?). */
    record: async (runId: string) => (await api.run(spriteId, runId)).run,
    /** Follows the run's events; returns the function that stops. */
    stream: (runId: string, onEvent: (e: EngineerEvent) => void, onEnd: (end: StreamEnd) => void) =>
      openStream(`/api/sprite/${sp}/engineer/stream?run=${encodeURIComponent(runId)}`, onEvent, onEnd),
    /** A follow-up in the run's conversation. */
    message: (runId: string, text: string) => api.runMessage(spriteId, runId, text),
    /** Stops the run; answers its record once it ended. */
    cancel: async (runId: string) => (await api.runCancel(spriteId, runId)).run,
  };
}

export type EngineerApi = ReturnType<typeof engineerApi>;

/** The endpoints of a written client: from its openapi.json and model.json (README.md for a run
 * made before model.json); text reads a file of the run. */
export async function readEndpoints(text: (path: string) => Promise<string>): Promise<Endpoint[]> {
  const [spec, model] = await Promise.all([text('openapi.json'), text('model.json').catch(() => '')]);
  const readme = model ? '' : await text('README.md').catch(() => '');
  return endpointsOf(
    JSON.parse(spec) as Parameters<typeof endpointsOf>[0],
    model ? (JSON.parse(model) as Model) : null,
    readme,
  );
}

/** Stop found the run already ended (the stream says how). */
export const notRunning = (e: unknown) => e instanceof api.ApiError && e.code === 'not_running';
