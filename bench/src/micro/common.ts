// Shared helpers of the micro-benchmarks behind bench/FINDINGS.md.
import { measure } from 'mitata';
import { median } from '../report.js';

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

/** Median ns/call over `rounds` interleaved rounds (CPU-time clock, median of 128-call batches). */
export async function compare(
  fns: Record<string, () => unknown>,
  rounds = 5,
  ms = 40,
): Promise<Record<string, number>> {
  const samples = new Map<string, number[]>();
  for (const f of Object.values(fns)) await measure(f, { min_cpu_time: 10e6, now: cpuNow });
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of Object.entries(fns)) {
      const st = await measure(f, {
        min_cpu_time: ms * 1e6,
        min_samples: 8,
        batch_samples: 128,
        now: cpuNow,
      });
      const list = samples.get(name) ?? [];
      list.push(st.p50);
      samples.set(name, list);
    }
  }
  const out: Record<string, number> = {};
  for (const [name, xs] of samples) out[name] = median(xs);
  return out;
}

export function print(title: string, ns: Record<string, number>, baseline?: string): void {
  console.log(`\n${title}`);
  const base = baseline ? ns[baseline] : undefined;
  for (const [name, t] of Object.entries(ns)) {
    const rel = base ? `  ${(base / t).toFixed(2)}x ${baseline}` : '';
    console.log(
      `${t.toFixed(0).padStart(7)} ns  ${(1e9 / t / 1000).toFixed(0).padStart(5)}k/s  ${name}${rel}`,
    );
  }
}
