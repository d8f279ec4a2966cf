// The files panel's calls to the server, for one sprite: a folder's listing, a file's first bytes,
// a delete, and the address that downloads a file (a folder as a zip).

import * as api from '../../api';
import { listed, PREVIEW_LIMIT } from './state';

export function filesApi(spriteId: string) {
  return {
    /** The entries of dir, folders first, newest first. */
    list: async (dir: string) => listed((await api.listDir(spriteId, dir)).entries),
    /** The first PREVIEW_LIMIT bytes of a file, as text. */
    preview: (path: string) => api.readFile(spriteId, path, PREVIEW_LIMIT),
    remove: (path: string) => api.deleteFile(spriteId, path),
    download: (path: string) => api.fileUrl(spriteId, path, true),
  };
}

export type FilesApi = ReturnType<typeof filesApi>;
