// The sprite's display through noVNC: connects to the VNC relay, retries while the display
// starts, scales the remote screen to fit, and forwards pasted text.

import type RFB from '@novnc/novnc';
import { wsUrl } from './api';

export type DisplayState = 'connecting' | 'connected' | 'lost';

const ATTEMPTS = 15; // one a second: Xvnc and Chromium take a few seconds to come up
const XK_CONTROL_L = 0xffe3;
const XK_V = 0x0076;

export class Display {
  private rfb: RFB | null = null;
  private attempts = 0;
  private timer = 0;
  private path = '';
  private closed = true;

  /** canRetry, asked before each new attempt after a drop: false when there is no display to
   * reconnect to any more (each refused WebSocket is an error in the browser's console). */
  constructor(
    private readonly target: HTMLElement,
    private readonly onState: (state: DisplayState) => void,
    private readonly canRetry: () => Promise<boolean> = () => Promise.resolve(true),
  ) {
    // noVNC swallows every key, Ctrl+V included, so the browser would never fire "paste":
    // let that one key through to the page, take the pasted text, and type Ctrl+V remotely.
    target.addEventListener(
      'keydown',
      (e) => {
        if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'v') e.stopPropagation();
      },
      true,
    );
    target.addEventListener('paste', (e) => {
      const text = e.clipboardData?.getData('text/plain');
      if (!this.rfb || !text) return;
      e.preventDefault();
      this.rfb.clipboardPasteFrom(text);
      this.rfb.sendKey(XK_CONTROL_L, 'ControlLeft', true);
      this.rfb.sendKey(XK_V, 'KeyV');
      this.rfb.sendKey(XK_CONTROL_L, 'ControlLeft', false);
    });
  }

  /** Connects to the relay at path (retrying while the display starts). */
  connect(path: string): void {
    this.path = path;
    this.closed = false;
    this.attempts = 0;
    this.onState('connecting');
    void this.attempt();
  }

  disconnect(): void {
    this.closed = true;
    window.clearTimeout(this.timer);
    this.drop();
  }

  focus(): void {
    this.rfb?.focus({ preventScroll: true });
  }

  private drop(): void {
    const rfb = this.rfb;
    this.rfb = null;
    rfb?.disconnect();
    this.target.replaceChildren();
  }

  private async attempt(): Promise<void> {
    // loaded on first use: the dashboard does not need noVNC
    const { default: RFBClass } = await import('@novnc/novnc');
    if (this.closed) return;
    this.drop();
    this.attempts++;
    const rfb = new RFBClass(this.target, wsUrl(this.path), { wsProtocols: ['binary'] });
    rfb.scaleViewport = true;
    rfb.resizeSession = false;
    rfb.background = 'transparent';
    let up = false;
    rfb.addEventListener('connect', () => {
      up = true;
      this.attempts = 0;
      // Tab reaches the remote screen like any other control
      this.target.querySelector('canvas')?.setAttribute('tabindex', '0');
      this.onState('connected');
    });
    rfb.addEventListener('disconnect', () => {
      if (this.rfb !== rfb || this.closed) return;
      this.rfb = null;
      if (up) this.attempts = 0; // it was working: try again from the start
      if (this.attempts >= ATTEMPTS) {
        this.closed = true;
        this.onState('lost');
        return;
      }
      this.onState('connecting');
      this.timer = window.setTimeout(() => void this.retry(), 1000);
    });
    this.rfb = rfb;
  }

  private async retry(): Promise<void> {
    const again = await this.canRetry().catch(() => true); // unsure: try, as before
    if (this.closed) return;
    if (!again) {
      this.closed = true;
      this.onState('lost');
      return;
    }
    void this.attempt();
  }
}
