import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const page = (name: string) => fileURLToPath(new URL(`../page/${name}`, import.meta.url));

/**
 * The page's scripts, bundled by esbuild when the server starts: `/<name>.js`
 * for each entry (and `/<name>.css` when an entry imports CSS). Add an entry
 * here for another page (its HTML beside it in `page/`).
 */
export const ENTRIES: Record<string, string> = {
  main: page('main.ts'),
  uppy: page('uppy.ts'),
  // The client's hash worker, its own bundle: the pages pass `hashWorker: '/hash-worker.js'`.
  'hash-worker': fileURLToPath(import.meta.resolve('@airlock/client/hash-worker')),
};

export type Bundle = ReadonlyMap<string, { contentType: string; body: Buffer }>;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Bundles every entry in memory: file name → body. */
export async function bundlePage(entries: Record<string, string> = ENTRIES): Promise<Bundle> {
  const result = await build({
    entryPoints: entries,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    outdir: '/bundle',
    write: false,
    sourcemap: 'linked',
    logLevel: 'silent',
    loader: { '.wasm': 'file' },
  });
  const files = new Map<string, { contentType: string; body: Buffer }>();
  for (const file of result.outputFiles) {
    const name = file.path.slice('/bundle/'.length);
    const extension = name.slice(name.lastIndexOf('.'));
    files.set(name, {
      contentType: TYPES[extension] ?? 'application/octet-stream',
      body: Buffer.from(file.contents),
    });
  }
  return files;
}
