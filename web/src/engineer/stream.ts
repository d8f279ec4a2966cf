// The live events of an engineer run: a WebSocket (subprotocol "rae-events") that sends what the
// run did so far, then each event as it happens, and closes after "complete" or "error".

import { wsUrl } from '../api';
import type { EngineerEvent } from '../types';

export interface StreamEnd {
  /** A "complete" or "error" event came. */
  finished: boolean;
  /** How many events came before the socket closed. */
  events: number;
}

/** Opens the stream at path; returns the function that closes it. */
export function openStream(
  path: string,
  onEvent: (e: EngineerEvent) => void,
  onEnd: (end: StreamEnd) => void,
): () => void {
  const ws = new WebSocket(wsUrl(path), 'rae-events');
  let events = 0;
  let finished = false;
  let closed = false;
  ws.addEventListener('message', (m) => {
    if (typeof m.data !== 'string') return;
    let e: unknown;
    try {
      e = JSON.parse(m.data);
    } catch {
      return; // not an event: ignored
    }
    if (typeof e !== 'object' || e === null || typeof (e as { type?: unknown }).type !== 'string') return;
    const event = e as EngineerEvent;
    events++;
    if (event.type === 'complete' || event.type === 'error') finished = true;
    onEvent(event);
  });
  ws.addEventListener('close', () => {
    if (!closed) onEnd({ finished, events });
  });
  return () => {
    closed = true;
    ws.close();
  };
}
