// The sprite page's panels tell each other what changed (a capture wrote a HAR, a restore
// replaced the workspace, …) through one of these.

export type Change = 'files' | 'checkpoints' | 'browser' | 'sprite';

export class Bus {
  private readonly target = new EventTarget();

  on(change: Change, fn: () => void): void {
    this.target.addEventListener(change, fn);
  }

  emit(...changes: Change[]): void {
    for (const c of changes) this.target.dispatchEvent(new Event(c));
  }
}
