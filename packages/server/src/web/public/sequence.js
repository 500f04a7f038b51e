// @ts-check
// A sequence diagram (client, API, database) as inline SVG, one group per step; the current step is highlighted.

const NS = 'http://www.w3.org/2000/svg';
const ACTORS = /** @type {const} */ ({ C: 'Client (this page)', A: 'API (Fastify)', D: 'Database' });
const X = /** @type {Record<string, number>} */ ({ C: 80, A: 300, D: 520 });
const WIDTH = 600;
const ROW = 30;
const TITLE = 24;
const TOP = 52;

/**
 * @typedef {{ from: 'C' | 'A' | 'D', to: 'C' | 'A' | 'D', label: string, reply?: boolean }} Message
 * @typedef {{ id: string, title: string, messages: Message[] }} Step
 */

/** @param {string} tag @param {Record<string, string | number>} attrs @param {string} [text] */
function s(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * Builds the diagram. Returns the SVG and a function that marks one step as current (and the earlier ones as done).
 * @param {Step[]} steps
 */
export function sequenceDiagram(steps) {
  const height = TOP + steps.reduce((n, st) => n + st.messages.length * ROW + TITLE + 10, 0) + 8;
  const svg = s('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    role: 'img',
    'aria-labelledby': 'seq-title seq-desc',
    class: 'seq',
  });
  svg.append(
    s('title', { id: 'seq-title' }, 'Sequence diagram of the auth flow'),
    s(
      'desc',
      { id: 'seq-desc' },
      'Messages between the client, the API and the database for each step; the current step is highlighted.',
    ),
  );
  const defs = s('defs', {});
  const marker = s('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto-start-reverse',
  });
  marker.append(s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }));
  defs.append(marker);
  svg.append(defs);

  for (const [key, name] of Object.entries(ACTORS)) {
    const x = X[key] ?? 0;
    svg.append(
      s('line', { x1: x, y1: 36, x2: x, y2: height - 6, class: 'lifeline' }),
      s('rect', { x: x - 70, y: 6, width: 140, height: 30, rx: 6, class: 'actor' }),
      s('text', { x, y: 26, class: 'actor-label', 'text-anchor': 'middle' }, name),
    );
  }

  /** @type {Map<string, SVGGElement>} */
  const groups = new Map();
  /** @type {Map<string, SVGTextElement>} */
  const replyLabels = new Map();
  let y = TOP;
  for (const st of steps) {
    const g = /** @type {SVGGElement} */ (s('g', { class: 'step', 'data-step': st.id }));
    const h = st.messages.length * ROW + TITLE;
    g.append(
      s('rect', { x: 4, y: y - 4, width: WIDTH - 8, height: h + 2, rx: 6, class: 'step-bg' }),
      s('text', { x: 10, y: y + 11, class: 'step-title' }, st.title),
    );
    y += TITLE + 8;
    for (const m of st.messages) {
      const x1 = X[m.from] ?? 0;
      const x2 = X[m.to] ?? 0;
      const cls = m.reply ? 'msg reply' : 'msg';
      if (x1 === x2) {
        g.append(
          s('path', {
            d: `M ${x1} ${y} h 28 v 10 h -26`,
            class: cls,
            'marker-end': 'url(#arrow)',
            fill: 'none',
          }),
          s('text', { x: x1 + 34, y: y + 9, class: 'msg-label' }, m.label),
        );
      } else {
        const label = s(
          'text',
          { x: (x1 + x2) / 2, y: y - 4, class: 'msg-label', 'text-anchor': 'middle' },
          m.label,
        );
        g.append(
          s('line', {
            x1,
            y1: y + 4,
            x2: x2 + (x2 > x1 ? -2 : 2),
            y2: y + 4,
            class: cls,
            'marker-end': 'url(#arrow)',
          }),
          label,
        );
        if (m.reply && m.to === 'C') replyLabels.set(st.id, /** @type {SVGTextElement} */ (label));
      }
      y += ROW;
    }
    y += 2; // next step starts h + 10 below this one
    groups.set(st.id, g);
    svg.append(g);
  }

  /** @type {Set<string>} */
  const visited = new Set();
  const originalReplies = new Map([...replyLabels].map(([id, t]) => [id, t.textContent ?? '']));
  return {
    svg,
    /** Marks `id` as the current step; steps run before stay marked as done. @param {string | null} id */
    highlight(id) {
      if (id !== null) visited.add(id);
      for (const [sid, g] of groups) {
        const current = sid === id;
        g.classList.toggle('current', current);
        g.classList.toggle('done', !current && visited.has(sid));
        if (current) g.setAttribute('aria-current', 'step');
        else g.removeAttribute('aria-current');
      }
    },
    /** Shows the real response status on a step's reply arrow. @param {string} id @param {string} text @param {boolean} ok */
    setReply(id, text, ok) {
      const t = replyLabels.get(id);
      if (!t) return;
      t.textContent = text;
      t.classList.toggle('bad', !ok);
      t.classList.toggle('ok', ok);
    },
    /** Back to the initial drawing. */
    reset() {
      visited.clear();
      for (const [id, t] of replyLabels) {
        t.textContent = originalReplies.get(id) ?? '';
        t.classList.remove('ok', 'bad');
      }
      this.highlight(null);
    },
  };
}
