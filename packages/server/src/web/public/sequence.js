// @ts-check
// A sequence diagram (client, API, database) as inline SVG, one framed group per step; the current step is
// highlighted. It is laid out in CSS pixels for the width it is given (no scaling): labels keep their
// 13 px size on a phone, wrap to stay between the two lifelines they connect, and the diagram is
// re-laid out when its box changes width. A step can be redrawn with what actually happened (`show`).

const NS = 'http://www.w3.org/2000/svg';
/** @type {Array<['C' | 'A' | 'D', string]>} */
const ACTORS = [
  ['C', 'Client (this page)'],
  ['A', 'API (Fastify)'],
  ['D', 'Database'],
];
const FONT_PX = 13; // every label; keep in sync with app.css (svg.seq text)
const LINE = 17; // line height of wrapped labels
const PAD = 8; // space between a label and the lifelines around it
const LOOP_W = 24; // width of a self-message loop
const MAX_WIDTH = 760;

/**
 * @typedef {{ from: 'C' | 'A' | 'D', to: 'C' | 'A' | 'D', label: string, reply?: boolean, tone?: 'ok' | 'bad' | 'info' }} Message
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
 * Greedy word wrap; a word wider than the line is cut. Each line but the last ends with a space when it
 * was broken between words (so the text reads the same whichever way it was wrapped).
 * @param {string} text @param {number} max @param {(t: string) => number} measure
 */
function wrap(text, max, measure) {
  /** @type {string[]} */
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (measure(next) <= max) {
      line = next;
      continue;
    }
    if (line) lines.push(`${line} `);
    line = word;
    while (measure(line) > max && line.length > 1) {
      // Too wide for one line: cut where it fits, after a _ / , - or before a bracket if there is one.
      let fit = line.length - 1;
      while (fit > 1 && measure(line.slice(0, fit)) > max) fit--;
      let cut = fit;
      while (cut > 1 && !/[_/,-]/.test(line[cut - 1] ?? '') && !/[({<]/.test(line[cut] ?? '')) cut--;
      if (cut <= 1) cut = fit;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}

/**
 * A multi-line <text>, one <tspan> per line (as `wrap` made them).
 * @param {string[]} lines @param {number} x @param {number} y first baseline @param {string} cls @param {'start' | 'middle'} anchor
 */
function textBlock(lines, x, y, cls, anchor) {
  const t = s('text', { x, y, class: cls, 'text-anchor': anchor });
  lines.forEach((line, i) => {
    t.append(s('tspan', { x, dy: i === 0 ? 0 : LINE }, line));
  });
  return t;
}

/**
 * Builds the diagram inside `host` and keeps it laid out for the host's width.
 * @param {Step[]} steps the planned steps (what each one is expected to do)
 * @param {HTMLElement} host
 */
export function sequenceDiagram(steps, host) {
  /** @type {Map<string, Message[]>} what actually happened, by step id (replaces the plan for that step) */
  const actual = new Map();
  /** @type {Set<string>} */
  const visited = new Set();
  /** @type {string | null} */
  let current = null;
  let laidOutWidth = -1;

  const svg = s('svg', {
    role: 'img',
    'aria-labelledby': 'seq-title seq-desc',
    class: 'seq',
  });
  host.append(svg);
  const canvas = document.createElement('canvas').getContext('2d');

  function render() {
    const width = Math.min(MAX_WIDTH, Math.floor(host.clientWidth));
    if (width < 40) return; // hidden (the Flow tab is not shown yet): lay out when it gets a size
    laidOutWidth = width;
    const family = getComputedStyle(svg).fontFamily || 'sans-serif';
    // Measured bold: the current step's labels are drawn at weight 600, the widest they get.
    /** @param {string} t */
    const measure = (t) => {
      if (!canvas) return t.length * FONT_PX * 0.62;
      canvas.font = `600 ${FONT_PX}px ${family}`;
      return canvas.measureText(t).width;
    };

    // Narrow screens get narrower actor boxes, so the outer lifelines sit nearer the edges and the
    // labels between them have room.
    const boxW = Math.max(84, Math.min(150, Math.floor((width - 16) / 3) - 12));
    const actorLines = ACTORS.map(([, name]) => wrap(name, boxW - 12, measure));
    const boxH = Math.max(...actorLines.map((l) => l.length)) * LINE + 12;
    const X = /** @type {Record<string, number>} */ ({
      C: 4 + boxW / 2,
      D: width - 4 - boxW / 2,
    });
    X.A = ((X.C ?? 0) + (X.D ?? 0)) / 2;
    const lifelineXs = ACTORS.map(([k]) => X[k] ?? 0);

    /** @type {Element[]} */
    const nodes = [
      s('title', { id: 'seq-title' }, 'Sequence diagram of the auth flow'),
      s('desc', { id: 'seq-desc' }, description()),
    ];
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
    nodes.push(defs);

    ACTORS.forEach(([key], i) => {
      const x = X[key] ?? 0;
      const lines = actorLines[i] ?? [''];
      const top = 4 + (boxH - lines.length * LINE) / 2 + FONT_PX;
      nodes.push(
        s('rect', { x: x - boxW / 2, y: 4, width: boxW, height: boxH, rx: 6, class: 'actor' }),
        textBlock(lines, x, top, 'actor-label', 'middle'),
      );
    });

    let y = 4 + boxH + 12;
    /** @param {number} from @param {number} to */
    const lifelines = (from, to) =>
      lifelineXs.map((x) => s('line', { x1: x, y1: from, x2: x, y2: to, class: 'lifeline' }));
    nodes.push(...lifelines(4 + boxH, y - 4));

    for (const st of steps) {
      const messages = actual.get(st.id) ?? st.messages;
      const g = s('g', { class: 'step', 'data-step': st.id });
      if (st.id === current) {
        g.classList.add('current');
        g.setAttribute('aria-current', 'step');
      } else if (visited.has(st.id)) g.classList.add('done');
      if (actual.has(st.id)) g.classList.add('ran');
      const top = y;
      const titleLines = wrap(st.title, width - 20, measure);
      const body = top + titleLines.length * LINE + 10;
      /** @type {Element[]} */
      const content = [];
      let my = body + 4;
      for (const m of messages) {
        const x1 = X[m.from] ?? 0;
        const x2 = X[m.to] ?? 0;
        const cls = `msg-label${m.reply ? ' reply-label' : ''}${m.tone ? ` ${m.tone}` : ''}`;
        const line = m.reply ? 'msg reply' : 'msg';
        if (x1 === x2) {
          // A self-message: a small loop, its label to the right, before the next lifeline.
          const right = Math.min(...lifelineXs.filter((x) => x > x1), width - 4) - PAD;
          const left = x1 + LOOP_W + 6;
          const lines = wrap(m.label, right - left, measure);
          content.push(
            s('path', {
              d: `M ${x1} ${my + 2} h ${LOOP_W} v 10 h ${-(LOOP_W - 2)}`,
              class: line,
              'marker-end': 'url(#arrow)',
              fill: 'none',
            }),
            textBlock(lines, left, my + FONT_PX - 2, cls, 'start'),
          );
          my += Math.max(lines.length * LINE, 16) + 10;
        } else {
          const lo = Math.min(x1, x2);
          const hi = Math.max(x1, x2);
          const lines = wrap(m.label, hi - lo - 2 * PAD, measure);
          content.push(textBlock(lines, (x1 + x2) / 2, my + FONT_PX - 2, cls, 'middle'));
          const arrowY = my + lines.length * LINE + 3;
          content.push(
            s('line', {
              x1,
              y1: arrowY,
              x2: x2 + (x2 > x1 ? -2 : 2),
              y2: arrowY,
              class: line,
              'marker-end': 'url(#arrow)',
            }),
          );
          my = arrowY + 9;
        }
      }
      const bottom = my + 2;
      g.append(
        s('rect', { x: 1, y: top, width: width - 2, height: bottom - top, rx: 6, class: 'step-bg' }),
        // The lifelines pause at the title band, so a title never crosses them.
        ...lifelines(body, bottom),
        textBlock(titleLines, 10, top + FONT_PX + 3, 'step-title', 'start'),
        ...content,
      );
      nodes.push(g);
      y = bottom + 8;
      if (st !== steps[steps.length - 1]) nodes.push(...lifelines(bottom, y));
    }
    const height = y;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.replaceChildren(...nodes);
  }

  /** The text alternative: what the highlighted step did. */
  function description() {
    const st = steps.find((x) => x.id === current);
    const base =
      'Messages between the client, the API and the database for each step; the current step is highlighted.';
    if (!st) return base;
    const names = /** @type {Record<string, string>} */ ({ C: 'client', A: 'API', D: 'database' });
    const said = (actual.get(st.id) ?? st.messages)
      .map((m) => `${names[m.from]} to ${names[m.to]}: ${m.label}`)
      .join('; ');
    return `${base} Current: ${st.title}: ${said}.`;
  }

  new ResizeObserver(() => {
    if (Math.min(MAX_WIDTH, Math.floor(host.clientWidth)) !== laidOutWidth) render();
  }).observe(host);
  render();

  return {
    svg,
    /** Marks `id` as the current step; steps run before stay marked as done. @param {string | null} id */
    highlight(id) {
      if (id !== null) visited.add(id);
      current = id;
      render();
    },
    /** Redraws step `id` with what actually happened. @param {string} id @param {Message[]} messages */
    show(id, messages) {
      actual.set(id, messages);
      render();
    },
    /** Back to the initial drawing. */
    reset() {
      visited.clear();
      actual.clear();
      current = null;
      render();
    },
  };
}
