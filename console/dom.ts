/**
 * The one DOM helper of the console: `h(tag, attributes, ...children)` builds an element. Text is
 * always set as text (never parsed as HTML), so bot messages and webhook bodies cannot inject
 * markup.
 */
type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | EventListener | undefined | null>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** An image that degrades quietly: when it cannot load, it is removed. Decorative: empty `alt`. */
export function image(src: string, className: string): HTMLImageElement {
  const img = h('img', { src, alt: '', class: className, loading: 'lazy', referrerpolicy: 'no-referrer' });
  img.addEventListener('error', () => img.remove(), { once: true });
  return img;
}

/** `2026-11-27T10:00:00.000Z` → `10:00:00` (local time), with the full time as a tooltip. */
export function time(iso: string): HTMLTimeElement {
  const date = new Date(iso);
  return h('time', { datetime: iso, title: date.toLocaleString() }, date.toLocaleTimeString());
}
