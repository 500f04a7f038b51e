// @ts-check
// Tiny DOM helpers. Everything is built with createElement/textContent: data is never parsed as HTML.

/** @param {string} id @returns {any} */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/**
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined> | null} [attrs]
 * @param {Array<Node | string | null | undefined | false>} children
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Replaces the children of `el`. @param {Element} el @param {Array<Node | string>} nodes */
export function fill(el, ...nodes) {
  el.replaceChildren(...nodes);
}

/** Pretty JSON with token classes for colouring. @param {unknown} value @returns {DocumentFragment} */
export function jsonNodes(value) {
  const frag = document.createDocumentFragment();
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const re = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) frag.append(text.slice(last, m.index));
    if (m[1]) {
      frag.append(h('span', { class: m[2] ? 'j-key' : 'j-str' }, m[1]));
      if (m[2]) frag.append(m[2]);
    } else if (m[3]) frag.append(h('span', { class: 'j-num' }, m[3]));
    else if (m[4]) frag.append(h('span', { class: 'j-lit' }, m[4]));
    last = re.lastIndex;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

/** The token as three coloured spans separated by dots. @param {string} token */
export function coloredToken(token) {
  const frag = document.createDocumentFragment();
  const parts = token.trim().split('.');
  const cls = ['seg-h', 'seg-p', 'seg-s', 'seg-x', 'seg-x'];
  parts.forEach((p, i) => {
    if (i > 0) frag.append(h('span', { class: 'seg-dot' }, '.'));
    frag.append(h('span', { class: cls[i] ?? 'seg-x', 'data-part': String(i) }, p));
  });
  return frag;
}

/** Local date and time for a NumericDate. @param {number} epoch */
export function localDate(epoch) {
  return new Date(epoch * 1000).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'long',
  });
}

/** Roving-tabindex tablist (arrow keys, Home, End). @param {HTMLElement} list @param {(tab: HTMLElement) => void} onSelect */
export function tablist(list, onSelect) {
  const tabs = /** @type {HTMLElement[]} */ ([...list.querySelectorAll('[role="tab"]')]);
  /** @param {HTMLElement} tab @param {boolean} focus */
  const select = (tab, focus) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(t.getAttribute('aria-controls') ?? '');
      if (panel) panel.hidden = !on;
    }
    if (focus) tab.focus();
    onSelect(tab);
  };
  for (const t of tabs) {
    t.addEventListener('click', () => select(t, false));
    t.addEventListener('keydown', (e) => {
      const i = tabs.indexOf(t);
      const next =
        e.key === 'ArrowRight'
          ? tabs[(i + 1) % tabs.length]
          : e.key === 'ArrowLeft'
            ? tabs[(i - 1 + tabs.length) % tabs.length]
            : e.key === 'Home'
              ? tabs[0]
              : e.key === 'End'
                ? tabs[tabs.length - 1]
                : undefined;
      if (next) {
        e.preventDefault();
        select(next, true);
      }
    });
  }
  return { select: (/** @type {string} */ id) => select($(id), false) };
}
