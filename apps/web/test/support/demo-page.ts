import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import sharp from 'sharp';
import { EICAR } from '@airlock/testing';
import { screenshot } from '@airlock/testing/browser';

const MiB = 1024 * 1024;

export const webUrl = () => process.env.AIRLOCK_WEB_URL!;

const stackHome = () =>
  process.env.AIRLOCK_HOME ?? fileURLToPath(new URL('../../../../.airlock', import.meta.url));

/** The demo tenant `airlock dev up` made for the web app (its backend's API key and site). */
export const demoTenant = () =>
  JSON.parse(readFileSync(join(stackHome(), 'web-demo.json'), 'utf8')) as {
    customerId: string;
    siteId: string;
    apiKey: string;
  };

/** Where screenshots go: `AIRLOCK_SCREENSHOTS`, else `<stack home>/screenshots` (never the work tree). */
export const screenshotDir = () =>
  process.env.AIRLOCK_SCREENSHOTS ?? join(stackHome(), 'screenshots');

export const shoot = (page: Page, name: string, options?: { selector?: string }) =>
  screenshot(page, join(screenshotDir(), `${name}.png`), options);

/** The page from its heading to the last upload row, with a margin. */
export async function shootUploads(page: Page, name: string): Promise<string> {
  const clip = await page.evaluate(() => {
    const main = document.querySelector('main')!.getBoundingClientRect();
    const last = Array.from(document.querySelectorAll('.upload')).at(-1)!.getBoundingClientRect();
    const top = main.top + window.scrollY;
    return {
      x: main.left,
      y: top,
      width: main.width,
      height: last.bottom + window.scrollY + 24 - top,
    };
  });
  return screenshot(page, join(screenshotDir(), `${name}.png`), { clip });
}

/** Files a user would pick, unique per run (no dedup against earlier runs), in a temp folder. */
export class PageFiles {
  readonly dir = mkdtempSync(join(tmpdir(), 'airlock-web-'));

  path(name: string): string {
    return join(this.dir, name);
  }

  text(name = 'notes.txt'): string {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i + 1}: ${randomUUID()}`);
    writeFileSync(this.path(name), `Meeting notes\n\n${lines.join('\n')}\n`);
    return this.path(name);
  }

  async image(name = 'photo.png'): Promise<string> {
    const hue = randomBytes(3);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="520">
      <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="rgb(${hue[0]! % 80},${120 + (hue[1]! % 80)},220)"/>
        <stop offset="1" stop-color="#e0f2fe"/></linearGradient></defs>
      <rect width="800" height="520" fill="url(#sky)"/>
      <circle cx="610" cy="130" r="70" fill="#fde047"/>
      <path d="M0 420 L220 230 L380 380 L520 260 L800 470 L800 520 L0 520 Z" fill="#166534"/>
      <path d="M0 470 L260 330 L520 500 L800 420 L800 520 L0 520 Z" fill="#15803d"/>
      <text x="24" y="500" font-size="18" fill="#ffffff">${randomUUID()}</text></svg>`;
    await sharp(Buffer.from(svg)).png().toFile(this.path(name));
    return this.path(name);
  }

  /** A PDF of `sizeMiB` MiB: a real header, objects and trailer around a large comment block. */
  pdf(name = 'report.pdf', sizeMiB = 20): string {
    const head = Buffer.from(
      `%PDF-1.7\n% ${randomUUID()}\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n` +
        `2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n`,
      'latin1',
    );
    const tail = Buffer.from('trailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
    const body = Buffer.alloc(sizeMiB * MiB - head.length - tail.length, ' ');
    // Comment lines, so the filler is still a well-formed PDF.
    for (let offset = 0; offset + 80 < body.length; offset += 80) body.write('%', offset, 'latin1');
    for (let offset = 79; offset < body.length; offset += 80) body.write('\n', offset, 'latin1');
    writeFileSync(this.path(name), Buffer.concat([head, body, tail]));
    return this.path(name);
  }

  eicar(name = 'eicar.txt'): string {
    writeFileSync(this.path(name), `${EICAR}\n${randomUUID()}\n`);
    return this.path(name);
  }

  /** `sizeMiB` MiB that cost no disk and are never read (the page refuses them by size first). */
  sparse(name: string, sizeMiB: number): string {
    writeFileSync(this.path(name), '');
    truncateSync(this.path(name), sizeMiB * MiB);
    return this.path(name);
  }

  raw(name: string, content: string | Buffer): string {
    writeFileSync(this.path(name), content);
    return this.path(name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export type ProgressSeen = Record<string, { hashing?: number[]; sending?: number[] }>;

/**
 * Records every value each row's progress bars take (a MutationObserver on
 * their `value` attribute, installed before the page's own scripts run), so
 * a test sees progress that came and went between two looks.
 */
export async function recordProgress(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const seen: Record<string, Record<string, number[]>> = {};
    (globalThis as unknown as { progressSeen: typeof seen }).progressSeen = seen;
    new MutationObserver((records) => {
      for (const record of records) {
        const bar = record.target as HTMLProgressElement;
        if (bar.tagName !== 'PROGRESS') continue;
        const name = bar.closest<HTMLElement>('.upload')?.dataset.fileName ?? '?';
        const kind = bar.dataset.progress ?? '?';
        ((seen[name] ??= {})[kind] ??= []).push(bar.value);
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['value'] });
  });
}

export const progressSeen = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { progressSeen: ProgressSeen }).progressSeen);

/** Every row's file name, state and message, for assertions and failure messages. */
export const rows = (page: Page) =>
  page.$$eval('.upload', (items) =>
    items.map((item) => ({
      fileName: item.getAttribute('data-file-name'),
      state: item.getAttribute('data-state'),
      uploadId: item.getAttribute('data-upload-id'),
      errorCode: item.getAttribute('data-error-code'),
      reason: item.getAttribute('data-reason'),
      message: item.querySelector('[data-role="message"]')?.textContent ?? '',
    })),
  );

export const row = (fileName: string) => `.upload[data-file-name="${fileName}"]`;
