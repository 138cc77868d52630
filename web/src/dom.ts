// Small DOM helpers every part of the page uses.

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** An element with attributes (false and undefined left out) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, props: Record<string, string | boolean | undefined> = {}, ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key === "class") node.className = String(value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children);
  return node;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Counts an event in `data-NAME` on the body: what tests and benchmarks wait on. */
export function bump(name: string) {
  document.body.dataset[name] = String(Number(document.body.dataset[name] ?? 0) + 1);
}
