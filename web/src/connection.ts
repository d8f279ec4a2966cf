// Whether the server answers. A request that cannot reach it marks it down (so does a quiet
// heartbeat, for pages that ask nothing for a while); a health check every two seconds then marks
// it up again, and listeners (the banner, open pages) hear of both.

type Listener = (up: boolean) => void;

const RETRY_MS = 2000;
const HEARTBEAT_MS = 15000;
let up = true;
const listeners = new Set<Listener>();

/** Calls fn on every change; returns the function that stops it. */
export function onReachability(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function markDown(): void {
  if (!up) return;
  up = false;
  listeners.forEach((fn) => {
    fn(false);
  });
  window.setTimeout(() => void check(), RETRY_MS);
}

async function check(): Promise<void> {
  if (!(await healthy())) {
    window.setTimeout(() => void check(), RETRY_MS);
    return;
  }
  up = true;
  listeners.forEach((fn) => {
    fn(true);
  });
}

async function healthy(): Promise<boolean> {
  try {
    return (await fetch('/healthz', { cache: 'no-store' })).ok;
  } catch {
    return false;
  }
}

window.setInterval(() => {
  if (up && document.visibilityState === 'visible') {
    void healthy().then((ok) => {
      if (!ok) markDown();
    });
  }
}, HEARTBEAT_MS);
