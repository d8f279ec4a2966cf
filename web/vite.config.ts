import { defineConfig } from 'vite';

// The rae server that `npm run dev` forwards the API, the health check and the WebSockets
// (VNC relay, engineer stream) to.
const server = process.env.RAE_SERVER ?? 'http://127.0.0.1:8090';

export default defineConfig({
  base: '/',
  server: {
    proxy: {
      '/api': { target: server, ws: true },
      '/healthz': { target: server },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // noVNC uses top-level await
    target: 'esnext',
    // Monaco is one large chunk by nature; it is loaded only on the sprite page
    chunkSizeWarningLimit: 4096,
  },
});
