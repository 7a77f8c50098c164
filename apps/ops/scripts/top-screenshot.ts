#!/usr/bin/env node
/**
 * docs/images/airlock-top.png from a real run: `airlock top` live in a tmux
 * terminal while the demo runs over and over (a photo, a PDF, EICAR and text
 * files, each with its webhook), its screen captured with colours, turned into
 * HTML (ansi-to-html) and photographed by Debian's Chromium (puppeteer-core).
 *
 *   npx airlock dev up && node apps/ops/scripts/top-screenshot.ts [out.png]
 *
 * Needs tmux and /usr/bin/chromium (or CHROMIUM_PATH).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Convert from 'ansi-to-html';
import { localStackEnv } from '@airlock/config';
import { airlockCliPath } from '@airlock/testing';
import { launchBrowser, screenshot } from '@airlock/testing/browser';
import { DEMO_SAMPLES, runDemo, type DemoFile } from '../src/operations/demo.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const out =
  process.argv[2] ??
  fileURLToPath(new URL('../../../docs/images/airlock-top.png', import.meta.url));
const LOOPS = 4;
const WARMUP_MS = 14_000;
const COLUMNS = 100;
const ROWS = 15;

const env = localStackEnv();
if (!env) throw new Error('the local stack is not up: npx airlock dev up');
Object.assign(process.env, env);

const textFile = (i: number): DemoFile => ({
  name: `note-${i}.txt`,
  contentType: 'text/plain',
  bytes: async () =>
    Buffer.from(`airlock top screenshot ${i} ${randomBytes(16).toString('hex')}\n`),
});

/** The demo again and again, `LOOPS` at a time, until `stop()`. */
function demoLoad(stop: () => boolean): Promise<void[]> {
  const stack = { apiUrl: env!.AIRLOCK_API_URL!, databaseUrl: env!.DATABASE_URL! };
  const files = [...DEMO_SAMPLES, ...Array.from({ length: 8 }, (_, i) => textFile(i))];
  return Promise.all(
    Array.from({ length: LOOPS }, async () => {
      while (!stop()) await runDemo(stack, () => {}, files);
    }),
  );
}

const socket = `airlock-top-shot-${process.pid}`;
const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);

let stopped = false;
const load = demoLoad(() => stopped);
try {
  await tmux(
    'new-session',
    '-d',
    '-s',
    'top',
    '-x',
    String(COLUMNS),
    '-y',
    String(ROWS),
    `${process.execPath} ${airlockCliPath} top --interval 2`,
  );
  await sleep(WARMUP_MS);
  const { stdout: ansi } = await tmux('capture-pane', '-e', '-p', '-t', 'top');
  await tmux('send-keys', '-t', 'top', 'q');

  const html = new Convert({
    fg: '#d8dee9',
    bg: '#1e2430',
    escapeXML: true,
    // Brighter than the default palette's, legible on the dark background.
    colors: { 1: '#ff7b72', 2: '#7ee787', 3: '#e3b341', 6: '#79c0ff' },
  }).toHtml(ansi.replace(/\n+$/, ''));
  const browser = await launchBrowser({ viewport: { width: 1000, height: 400 } });
  try {
    const page = await browser.newPage();
    await page.setContent(
      `<!doctype html><meta charset="utf-8"><style>
        body { margin: 0; background: #1e2430; }
        pre { display: inline-block; margin: 0; padding: 14px 18px; color: #d8dee9;
              background: #1e2430; font: 13px/1.35 'DejaVu Sans Mono', monospace; }
      </style><pre>${html}</pre>`,
    );
    await screenshot(page, out, { selector: 'pre' });
  } finally {
    await browser.close();
  }
  process.stdout.write(`${out}\n${ansi}`);
} finally {
  stopped = true;
  await tmux('kill-server').catch(() => {});
  await load;
}
