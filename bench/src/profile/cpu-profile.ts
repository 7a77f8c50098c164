/** What V8's `--cpu-prof` writes (the DevTools Profiler.Profile shape), as far as we read it. */
export type CpuProfile = {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly hitCount?: number;
  }[];
  readonly startTime: number;
  readonly endTime: number;
  /** The node id on top of the stack at each sample. */
  readonly samples?: readonly number[];
  /** µs since the previous sample (the first: since startTime). */
  readonly timeDeltas?: readonly number[];
};

export type HotFunction = {
  readonly name: string;
  /** Where it is: a path under the repository, a package, or Node's own `node:` module; line 1-based. */
  readonly location: string;
  readonly selfMs: number;
  /** Of the profile's busy time (idle excluded). */
  readonly share: number;
};

/** V8's pseudo-frames: the thread waiting for work is not a cost. */
const IDLE = '(idle)';

/** A short location: node_modules packages by name, the repository's files relative to it. */
function shortLocation(url: string, line: number, root: string): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const inPackage = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  const where = inPackage
    ? inPackage[1]!
    : root && path.startsWith(`${root}/`)
      ? path.slice(root.length + 1)
      : path;
  return line >= 0 && !inPackage ? `${where}:${line + 1}` : where;
}

/**
 * Self time per function, the hottest first. A sample lasts until the next
 * one (DevTools' attribution); a profile without timings falls back to hit
 * counts × the mean interval. Nodes of one function (same name, file and
 * line) under different callers are added together.
 */
export function hottestFunctions(profile: CpuProfile, top = 10, root = ''): HotFunction[] {
  const selfUs = new Map<number, number>();
  const { samples = [], timeDeltas = [] } = profile;
  if (samples.length && timeDeltas.length === samples.length) {
    samples.forEach((id, index) => {
      const lasted = timeDeltas[index + 1] ?? 0;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, lasted));
    });
  } else {
    const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
    const interval = hits ? (profile.endTime - profile.startTime) / hits : 0;
    for (const node of profile.nodes) selfUs.set(node.id, (node.hitCount ?? 0) * interval);
  }
  const byFunction = new Map<string, { name: string; location: string; us: number }>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === IDLE) continue;
    const name = functionName || '(anonymous)';
    const location = shortLocation(url, lineNumber, root);
    const key = `${name}\u0000${location}`;
    const entry = byFunction.get(key) ?? { name, location, us: 0 };
    entry.us += selfUs.get(node.id) ?? 0;
    byFunction.set(key, entry);
  }
  const busyUs = [...byFunction.values()].reduce((sum, entry) => sum + entry.us, 0);
  return [...byFunction.values()]
    .filter((entry) => entry.us > 0)
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((entry) => ({
      name: entry.name,
      location: entry.location,
      selfMs: entry.us / 1000,
      share: busyUs ? entry.us / busyUs : 0,
    }));
}
