// A tiny DOM helper: h('button', {class: 'x', on: {click}}, 'text') builds an element.

export type Child = Node | string | number | null | undefined | false | Child[];

type Handlers = { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };

export interface Props {
  /** Attributes: true sets an empty attribute; false, null and undefined leave it out. */
  [attribute: string]: string | number | boolean | null | undefined | Handlers;
  on?: Handlers;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (name === 'on') {
      for (const [type, fn] of Object.entries(value as Handlers)) {
        el.addEventListener(type, fn as EventListener);
      }
    } else if (value === true) {
      el.setAttribute(name, '');
    } else if (typeof value === 'string' || typeof value === 'number') {
      el.setAttribute(name, String(value));
    }
  }
  el.append(...flatten(children));
  return el;
}

function flatten(children: Child[]): (Node | string)[] {
  const out: (Node | string)[] = [];
  for (const c of children) {
    if (Array.isArray(c)) out.push(...flatten(c));
    else if (typeof c === 'number') out.push(String(c));
    else if (c !== null && c !== undefined && c !== false) out.push(c);
  }
  return out;
}

/** Replaces the children of el. */
export function put(el: Element, ...children: Child[]): void {
  el.replaceChildren(...flatten(children));
}
