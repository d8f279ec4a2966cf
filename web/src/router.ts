// Routes over the History API. A route builds a View; moving between two URLs of the same view
// (a sprite and one of its runs) updates it in place, so its live connections survive.

export type Params = Record<string, string>;

export interface View {
  el: HTMLElement;
  title: string;
  /** Called when the URL changes but keeps the same view key. */
  update?(params: Params, query: URLSearchParams): void;
  dispose?(): void;
}

export interface Route {
  /** "/sprite/:id/run/:run" */
  path: string;
  /** Signed-in visitors only. */
  auth: boolean;
  /** Routes with the same key share one view (default: the path pattern). */
  key?: (params: Params) => string;
  view: (params: Params, query: URLSearchParams) => View;
}

interface Options {
  routes: Route[];
  outlet: HTMLElement;
  signedIn: () => boolean;
  notFound: (path: string) => View;
}

let options: Options | null = null;
let current: { key: string; view: View } | null = null;

function match(pattern: string, path: string): Params | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith(':')) {
      if (!g) return null;
      params[w.slice(1)] = decodeURIComponent(g);
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}

function render(): void {
  if (!options) return;
  const { pathname, search } = location;
  const query = new URLSearchParams(search);
  let key = `404:${pathname}`;
  let build = () => options?.notFound(pathname);
  let params: Params = {};
  for (const route of options.routes) {
    const m = match(route.path, pathname);
    if (!m) continue;
    if (route.auth && !options.signedIn()) {
      navigate(`/login?next=${encodeURIComponent(pathname + search)}`, true);
      return;
    }
    params = m;
    key = route.key ? route.key(m) : route.path;
    build = () => route.view(m, query);
    break;
  }
  if (current?.key === key && current.view.update) {
    current.view.update(params, query);
    return;
  }
  current?.view.dispose?.();
  const view = build();
  if (!view) return;
  current = { key, view };
  document.title = `${view.title} · rae`;
  options.outlet.replaceChildren(view.el);
  window.scrollTo(0, 0);
}

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  render();
}

export function startRouter(o: Options): void {
  options = o;
  window.addEventListener('popstate', render);
  // plain links inside the app navigate without a page load
  document.addEventListener('click', (e) => {
    const a = (e.target as Element | null)?.closest('a');
    if (
      !a ||
      e.defaultPrevented ||
      e.button !== 0 ||
      e.metaKey ||
      e.ctrlKey ||
      e.shiftKey ||
      e.altKey ||
      a.target ||
      a.hasAttribute('download') ||
      a.origin !== location.origin ||
      (a.hash && a.pathname === location.pathname) ||
      a.pathname.startsWith('/api/')
    ) {
      return;
    }
    e.preventDefault();
    navigate(a.pathname + a.search);
  });
  render();
}
