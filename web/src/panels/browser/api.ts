// The browser panel's calls to the server, for one sprite: the browser's status, start and stop,
// the display's relay, and the URL bar's commands (sent again while Chromium opens its first tab).

import * as api from '../../api';

export type Command = 'navigate' | 'back' | 'forward' | 'reload';

const COMMAND_TRIES = 16;
const COMMAND_WAIT = 700; // ms between two tries

/** The browser is not ready for a command yet (it is still starting). */
const notReady = (e: unknown) =>
  e instanceof api.ApiError && (e.code === 'browser_starting' || e.code === 'no_browser');

export function browserApi(spriteId: string) {
  return {
    status: () => api.browserStatus(spriteId),
    /** Starts the browser on address; answers the relay's WebSocket path. */
    start: async (address: string) => (await api.browserStart(spriteId, address)).vncUrl,
    /** Stops the capture; answers the HAR's path. */
    stop: async () => (await api.browserStop(spriteId)).harPath,
    /** The relay's WebSocket path. */
    vnc: async () => (await api.browserVnc(spriteId)).url,
    /** A URL bar or button command; waiting() is called before each new try while the browser
     * starts. Throws the last refusal. */
    async command(op: Command, address: string | undefined, waiting: () => void): Promise<void> {
      for (let attempt = 1; ; attempt++) {
        try {
          await api.browserCommand(spriteId, op, address);
          return;
        } catch (e) {
          if (!notReady(e) || attempt >= COMMAND_TRIES) throw e;
          waiting();
          await new Promise((r) => setTimeout(r, COMMAND_WAIT));
        }
      }
    },
  };
}

export type BrowserApi = ReturnType<typeof browserApi>;
