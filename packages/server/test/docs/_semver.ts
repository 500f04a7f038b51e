/**
 * Just enough of npm's semver range grammar to ask "does Node X.Y.Z satisfy this `engines.node`?":
 * `||`, space-separated comparators, `>=` `>` `<=` `<` `=`, `^`, `~`, `x`/`*` wildcards, `A - B`.
 * An unparseable range throws (a test must never quietly treat it as satisfied).
 */
type Version = [number, number, number];

function parse(v: string): { parts: Array<number | undefined> } {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-[0-9A-Za-z.-]+)?$/.exec(v);
  if (!m) throw new Error(`unparseable version ${JSON.stringify(v)}`);
  return {
    parts: [m[1], m[2], m[3]].map((p) => (p === undefined || /[xX*]/.test(p) ? undefined : Number(p))),
  };
}

function cmp(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

const floor = (p: Array<number | undefined>): Version => [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];

/** The half-open interval [lo, hi) that a partial version like `10` or `10.x` stands for. */
function span(p: Array<number | undefined>): [Version, Version | undefined] {
  if (p[0] === undefined) return [[0, 0, 0], undefined];
  if (p[1] === undefined)
    return [
      [p[0], 0, 0],
      [p[0] + 1, 0, 0],
    ];
  if (p[2] === undefined)
    return [
      [p[0], p[1], 0],
      [p[0], p[1] + 1, 0],
    ];
  return [floor(p), [p[0], p[1], p[2] + 1]];
}

function satisfiesComparator(v: Version, c: string): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(c);
  if (!m) throw new Error(`unparseable comparator ${JSON.stringify(c)}`);
  const op = m[1] ?? '';
  const { parts } = parse(m[2]!);
  const [lo, hi] = span(parts);
  switch (op) {
    case '':
    case '=':
      return cmp(v, lo) >= 0 && (hi === undefined || cmp(v, hi) < 0);
    case '>=':
      return cmp(v, lo) >= 0;
    case '>':
      return hi === undefined ? false : cmp(v, hi) >= 0;
    case '<':
      return cmp(v, lo) < 0;
    case '<=':
      return hi === undefined || cmp(v, hi) < 0;
    case '^': {
      const [a = 0, b, c2] = parts;
      const upper: Version =
        a > 0 || b === undefined ? [a + 1, 0, 0] : b > 0 || c2 === undefined ? [0, b + 1, 0] : [0, 0, c2 + 1];
      return cmp(v, lo) >= 0 && cmp(v, upper) < 0;
    }
    case '~': {
      const [a = 0, b] = parts;
      const upper: Version = b === undefined ? [a + 1, 0, 0] : [a, b + 1, 0];
      return cmp(v, lo) >= 0 && cmp(v, upper) < 0;
    }
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

export function satisfies(version: string, range: string): boolean {
  const v = floor(parse(version).parts);
  return range.split('||').some((alt) => {
    const set = alt.trim();
    if (set === '' || set === '*' || set === 'x') return true;
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(set);
    if (hyphen) return satisfiesComparator(v, `>=${hyphen[1]}`) && satisfiesComparator(v, `<=${hyphen[2]}`);
    // `>= 10` is one comparator: glue operators to their version first.
    const comparators = set.replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/);
    return comparators.every((c) => satisfiesComparator(v, c));
  });
}
