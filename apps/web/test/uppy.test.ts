import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import sharp from 'sharp';
import type { AirlockClient } from '@airlock/client';
import { EICAR } from '@airlock/testing';
import { launchBrowser, openPage, screenshot } from '@airlock/testing/browser';

// Issue 14, item 5: the real Uppy 6 (@uppy/core + @uppy/dashboard) in real
// headless Chromium, uploading through @airlock/client/uppy with an upload
// token from the demo web app's backend (another origin than the API), on the
// local stack: files chosen with the Dashboard's own file input and sent with
// its own Upload button reach `ready` (a 20 MiB PDF in parallel parts), and a
// file too large for its type, an EICAR file and a type the token does not
// allow surface as errors in Uppy's UI.

const MiB = 1024 * 1024;
// The README's picture is refreshed only on request (AIRLOCK_SCREENSHOT_DIR=docs/images):
// a plain test run leaves the work tree alone.
const SCREENSHOT = join(process.env.AIRLOCK_SCREENSHOT_DIR ?? tmpdir(), 'uppy-dashboard.png');

/** One of Uppy's events as the page (apps/web/page/uppy.ts) logs it. */
type Logged = {
  event: string;
  file?: string;
  value?: number | null;
  bytesUploaded?: number;
  bytesTotal?: number;
  message?: string | null;
  body?: unknown;
  successful?: string[];
  failed?: string[];
};

/** What the page puts on `window` for its tests: the part of its Uppy they drive. */
type PageUppy = {
  getFiles(): unknown[];
  getFile(
    id: string,
  ): { airlock?: { uploadId: string }; progress: { bytesUploaded: number | false } } | undefined;
  getState(): { info: unknown[] };
  addFile(file: { name: string; type: string; data: Blob }): string;
  upload(): Promise<unknown>;
  removeFile(id: string): void;
  cancelAll(): void;
  getPlugin(id: 'Airlock'): { client: AirlockClient };
};
declare global {
  interface Window {
    uppy: PageUppy;
    uppyLog: Logged[];
  }
}

let browser: Browser;
let page: Page;
let dir: string;
const files: Record<string, string> = {};
const storageRequests: Array<{ method: string; url: string }> = [];
const pageErrors: string[] = [];
const workers: string[] = [];

beforeAll(async () => {
  const run = randomBytes(4).toString('hex');
  dir = mkdtempSync(join(tmpdir(), 'airlock-uppy-'));
  const write = (name: string, bytes: Buffer | string) => {
    files[name] = join(dir, name);
    writeFileSync(files[name], bytes);
  };
  write('notes.txt', `Uppy through Airlock, run ${run}\n`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="320">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#1d4ed8"/><stop offset="1" stop-color="#14b8a6"/>
    </linearGradient></defs>
    <rect width="480" height="320" fill="url(#g)"/>
    <circle cx="360" cy="90" r="46" fill="#fde68a"/>
    <path d="M0 320 L150 170 L250 260 L330 200 L480 320 Z" fill="#0f172a" opacity="0.55"/>
    <text x="24" y="300" font-family="sans-serif" font-size="18" fill="#fff">run ${run}</text>
  </svg>`;
  write('photo.png', await sharp(Buffer.from(svg)).png().toBuffer());
  const pdf = randomBytes(20 * MiB);
  pdf.write('%PDF-1.7\n', 0, 'latin1');
  write('report.pdf', pdf);
  write('eicar.txt', EICAR);
  write('too-large.txt', Buffer.alloc(11 * MiB, `too large ${run}\n`));
  write('tool.exe', Buffer.concat([Buffer.from('MZ'), randomBytes(510)]));

  browser = await launchBrowser({ viewport: { width: 900, height: 760 } });
  ({ page } = await openPage(browser));
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.on('workercreated', (worker) => workers.push(worker.url()));
  page.on('request', (request: HTTPRequest) => {
    const url = request.url();
    if (process.env.S3_ENDPOINT && url.startsWith(process.env.S3_ENDPOINT))
      storageRequests.push({ method: request.method(), url });
  });
  const web = process.env.AIRLOCK_WEB_URL;
  if (!web) throw new Error('AIRLOCK_WEB_URL is not set: the local stack serves the web app');
  await page.goto(`${web}/uppy`, { waitUntil: 'load' });
  await page.waitForSelector('#uppy[data-ready="true"]', { timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const uppyLog = () => page.evaluate(() => window.uppyLog);
const events = (log: Logged[], event: string, file?: string) =>
  log.filter((entry) => entry.event === event && (file === undefined || entry.file === file));

test('the real Uppy 6 Dashboard uploads through Airlock: done only at ready, refusals shown as Uppy errors', async () => {
  const input = await page.waitForSelector('input.uppy-Dashboard-input[type="file"]');
  // A type the token does not allow: refused by Uppy's own restrictions when added.
  await input!.uploadFile(files['tool.exe']!);
  await page.waitForFunction(() =>
    window.uppyLog.some((entry) => entry.event === 'restriction-failed'),
  );
  await input!.uploadFile(
    files['notes.txt']!,
    files['photo.png']!,
    files['report.pdf']!,
    files['eicar.txt']!,
    files['too-large.txt']!,
  );
  expect(
    await page.$$eval('.uppy-Dashboard-Item-name', (names) => names.map((n) => n.textContent)),
  ).toEqual(expect.arrayContaining(['notes.txt', 'photo.png', 'report.pdf', 'eicar.txt']));
  expect(await page.evaluate(() => window.uppy.getFiles().length)).toBe(5);

  // Uppy's own Upload button.
  await page.click('.uppy-StatusBar-actionBtn--upload');
  await page.waitForFunction(() => window.uppyLog.some((entry) => entry.event === 'complete'), {
    timeout: 110_000,
    polling: 500,
  });
  const log = await uppyLog();
  const complete = events(log, 'complete')[0]!;
  expect([...complete.successful!].sort()).toEqual(['notes.txt', 'photo.png', 'report.pdf']);
  expect([...complete.failed!].sort()).toEqual(['eicar.txt', 'too-large.txt']);

  // upload-success only at ready, carrying the upload as the API describes it.
  for (const name of ['notes.txt', 'photo.png', 'report.pdf']) {
    const [success, ...more] = events(log, 'upload-success', name);
    expect(more).toHaveLength(0);
    expect(success!.body).toMatchObject({ state: 'ready', duplicate: false, fileName: name });
    // The workers' checks were shown as Uppy's postprocessing before that.
    expect(events(log, 'postprocess-progress', name).length).toBeGreaterThan(0);
  }
  expect(events(log, 'upload-success', 'eicar.txt')).toHaveLength(0);

  // Uppy's errors: quarantined after upload, 413 from the API before any byte, the type restriction.
  expect(events(log, 'upload-error', 'eicar.txt')[0]!.message).toMatch(
    /^Malware found \(.*EICAR.*\): the file was quarantined$/i,
  );
  expect(events(log, 'upload-error', 'too-large.txt')[0]!.message).toBe(
    'This file is larger than 10 MiB',
  );
  expect(events(log, 'restriction-failed')[0]!.message).toMatch(/You can only upload/);

  // Progress: hashing as preprocessing, then bytes rising to the total.
  const hashing = events(log, 'preprocess-progress', 'report.pdf').map((e) => e.value as number);
  expect(hashing.length).toBeGreaterThan(1);
  expect(Math.max(...hashing)).toBe(1);
  // The hashing ran in the client's Web Worker, off the page's main thread.
  expect(workers.some((url) => url.endsWith('/hash-worker.js'))).toBe(true);
  const sending = events(log, 'upload-progress', 'report.pdf');
  expect(sending.length).toBeGreaterThan(1);
  const sent = sending.map((e) => e.bytesUploaded as number);
  expect(sent).toEqual([...sent].sort((a, b) => a - b));
  expect(sent.at(-1)).toBe(20 * MiB);
  expect(sending.some((e) => (e.bytesUploaded ?? 0) > 0 && (e.bytesUploaded ?? 0) < 20 * MiB)).toBe(
    true,
  );

  // The 20 MiB PDF went in parts (two of 16 MiB at most), the small files in one PUT each;
  // nothing was sent for the file the API refused.
  const parts = storageRequests.filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url));
  expect(new Set(parts.map((r) => new URL(r.url).searchParams.get('partNumber')))).toEqual(
    new Set(['1', '2']),
  );
  const whole = storageRequests.filter((r) => r.method === 'PUT' && !/[?&]partNumber=/.test(r.url));
  expect(whole).toHaveLength(3); // notes.txt, photo.png, eicar.txt

  // Uppy's own UI shows it: three complete items, two errors with their messages.
  expect(await page.$$('.uppy-Dashboard-Item.is-complete')).toHaveLength(3);
  expect(await page.$$('.uppy-Dashboard-Item.is-error')).toHaveLength(2);
  expect(await page.$eval('.uppy-StatusBar', (bar) => bar.textContent)).toMatch(/failed/i);
  // Nothing else went wrong on the page (Uppy logs each upload error; the 413 is a failed load).
  expect(
    pageErrors.filter((e) => !/^\[Uppy\]/.test(e) && !/Failed to load resource/.test(e)),
  ).toEqual([]);

  // Each failed item carries its message (the tooltip of its "?").
  const labels = await page.$$eval('.uppy-Dashboard-Item.is-error', (items) =>
    items.map((item) => [
      item.querySelector('.uppy-Dashboard-Item-name')?.textContent,
      item.querySelector('.uppy-Dashboard-Item-errorDetails')?.getAttribute('aria-label'),
    ]),
  );
  expect(Object.fromEntries(labels)).toEqual({
    'too-large.txt': 'This file is larger than 10 MiB',
    'eicar.txt': expect.stringMatching(/^Malware found \(.*\): the file was quarantined$/),
  });

  // Once Uppy's informer bubbles are gone, the Dashboard as a user sees it at the end.
  await page.waitForFunction(() => window.uppy.getState().info.length === 0, {
    timeout: 20_000,
  });
  await new Promise((resolve) => setTimeout(resolve, 800)); // the informer's fade-out
  await screenshot(page, SCREENSHOT, { fullPage: false });
});

test('removing a file from Uppy mid-upload cancels its Airlock upload (expired, cancelled), no error shown', async () => {
  await page.evaluate(() => window.uppy.cancelAll());
  // Slow uploads down so the file is surely halfway when it is removed.
  await page.emulateNetworkConditions({
    offline: false,
    download: -1,
    upload: 4 * MiB,
    latency: 0,
  });
  try {
    const fileId = await page.evaluate(async (size: number) => {
      const bytes = new Uint8Array(size);
      for (let at = 0; at < size; at += 65_536)
        crypto.getRandomValues(bytes.subarray(at, at + 65_536));
      bytes.set(new TextEncoder().encode('%PDF-1.7\n'));
      const uppy = window.uppy;
      const id = uppy.addFile({
        name: 'cancel-me.pdf',
        type: 'application/pdf',
        data: new Blob([bytes]),
      });
      void uppy.upload().catch(() => undefined);
      return id;
    }, 40 * MiB);
    await page.waitForFunction(
      (id: string) => {
        const file = window.uppy.getFile(id);
        return file?.airlock?.uploadId && Number(file.progress.bytesUploaded) > 0;
      },
      { timeout: 60_000, polling: 50 },
      fileId,
    );
    const { uploadId, bytesUploaded } = await page.evaluate((id: string) => {
      const uppy = window.uppy;
      const file = uppy.getFile(id);
      const answer = {
        uploadId: file!.airlock!.uploadId,
        bytesUploaded: Number(file!.progress.bytesUploaded),
      };
      uppy.removeFile(id);
      return answer;
    }, fileId);
    expect(bytesUploaded).toBeLessThan(40 * MiB);

    // The token reads its own upload: the API cancelled it.
    await page.waitForFunction(
      async (id: string) => {
        const upload = await window.uppy.getPlugin('Airlock').client.api.getUpload(id);
        return upload.state === 'expired' && upload.reason === 'cancelled';
      },
      { timeout: 20_000, polling: 500 },
      uploadId,
    );
    const log = await uppyLog();
    expect(events(log, 'upload-error', 'cancel-me.pdf')).toHaveLength(0);
    expect(events(log, 'upload-success', 'cancel-me.pdf')).toHaveLength(0);
    expect(await page.evaluate(() => window.uppy.getFiles().length)).toBe(0);
  } finally {
    await page.emulateNetworkConditions(null);
  }
});
