// Summarises a V8 .cpuprofile (written by `node --cpu-prof`): top functions by self time, and jwtkit /
// server functions by inclusive time.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  const i = url.lastIndexOf('/node_modules/');
  if (i >= 0) return url.slice(i + 14);
  const j = url.indexOf('/packages/');
  if (j >= 0) return url.slice(j + 1);
  return url.replace(/^file:\/\//, '').replace(/^.*\/bench\//, 'bench/');
}

const NOISE = /^\((idle|program)\)|esm\/hooks|modules\/cjs|cjs-module-lexer|modules\/esm/;

/**
 * @param rootPrefix percentages are of the inclusive time of the first frame whose key starts with this
 *   (e.g. the hot-loop function); all non-idle samples when absent.
 */
export function reportCpuProfile(file: string, top: number, rootPrefix?: string): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const key = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const selfBy = new Map<string, number>();
  const totalBy = new Map<string, number>();
  let busy = 0;
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    const k0 = key(n);
    if (!/^\(idle\)/.test(k0)) busy += t;
    const seen = new Set<string>();
    let underRoot = !rootPrefix;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      if (rootPrefix && k.startsWith(rootPrefix)) underRoot = true;
      totalBy.set(k, (totalBy.get(k) ?? 0) + t);
    }
    // With a root, self time counts only inside it (GC has no stack: it is kept, the loop causes it).
    if (underRoot || k0.startsWith('(garbage collector)')) selfBy.set(k0, (selfBy.get(k0) ?? 0) + t);
  }
  const total = (rootPrefix && [...totalBy].find(([k]) => k.startsWith(rootPrefix))?.[1]) || busy;
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  const out: string[] = [];
  out.push(
    `Top ${top} by self time (% of ${(total / 1e6).toFixed(2)} s ${rootPrefix ? 'hot loop' : 'busy time'}):`,
  );
  for (const [k, t] of [...selfBy]
    .filter(([k]) => !NOISE.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    out.push(`${pct(t)}  ${k}`);
  out.push('', 'jwtkit / server functions by inclusive time:');
  for (const [k, t] of [...totalBy]
    .filter(([k]) => k.includes('packages/'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    out.push(`${pct(t)}  ${k}`);
  return out.join('\n');
}
