import type { Browser, Page } from 'puppeteer-core';
import { StackClients, waitForState } from '@airlock/testing';
import { launchBrowser, openPage, waitForAttribute, type TestPage } from '@airlock/testing/browser';
import {
  demoTenant,
  PageFiles,
  progressSeen,
  recordProgress,
  row,
  rows,
  shoot,
  webUrl,
} from './support/demo-page.ts';

const SETTLED = ['ready', 'rejected', 'quarantined', 'expired', 'refused', 'failed'];
const stack = new StackClients();
const files = new PageFiles();
let browser: Browser;
let tab: TestPage;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  tab = await openPage(browser);
  page = tab.page;
  await recordProgress(page);
  await page.goto(webUrl(), { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => {
  await browser?.close();
  files.remove();
  await stack.pool.end();
});

/** Fails with what the page showed and logged, not just "timed out". */
async function settle(fileName: string, timeoutMs = 90_000): Promise<string> {
  try {
    return await waitForAttribute(page, row(fileName), 'data-state', SETTLED, timeoutMs);
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nrows: ${JSON.stringify(await rows(page))}\nlog:\n${tab.log.join('\n')}`,
    );
  }
}

describe('the demo page (apps/web) in headless Chromium', () => {
  it('uploads a text file, an image and a 20 MiB PDF to ready and EICAR to quarantined, through the token its backend minted', async () => {
    const picked = [files.text(), await files.image(), files.pdf(), files.eicar()];
    const input = await page.$('input[type="file"][multiple]');
    await input!.uploadFile(...picked);

    const outcomes = {
      'notes.txt': await settle('notes.txt'),
      'photo.png': await settle('photo.png'),
      'report.pdf': await settle('report.pdf'),
      'eicar.txt': await settle('eicar.txt'),
    };
    expect(outcomes).toEqual({
      'notes.txt': 'ready',
      'photo.png': 'ready',
      'report.pdf': 'ready',
      'eicar.txt': 'quarantined',
    });

    // The rows name real uploads of the demo site, in the same terminal states.
    const shown = await rows(page);
    for (const { fileName, state, uploadId } of shown) {
      expect(uploadId).toMatch(/^[0-9a-f-]{36}$/);
      const { upload } = await waitForState(stack.uploads, uploadId!, [state as never], 5_000);
      expect({ name: upload.originalName, site: upload.siteId }).toEqual({
        name: fileName,
        site: demoTenant().siteId,
      });
    }

    // Quarantine is explained with the scanner's finding.
    const eicar = shown.find((r) => r.fileName === 'eicar.txt')!;
    expect(eicar.reason).toMatch(/EICAR/);
    expect(eicar.message).toMatch(/^Quarantined: the virus scanner found .*EICAR/);

    // The image shows its rendition as a thumbnail, loaded from the store.
    const thumbnail = await page.$eval(`${row('photo.png')} img[data-rendition]`, (img) => ({
      loaded: (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0,
      alt: img.getAttribute('alt'),
    }));
    expect(thumbnail).toEqual({ loaded: true, alt: 'Thumbnail of photo.png' });
    // Clean content offers its original; quarantined content never does.
    expect(await page.$(`${row('report.pdf')} a[data-role="download"]`)).not.toBeNull();
    expect(await page.$(`${row('eicar.txt')} a[data-role="download"]`)).toBeNull();

    // Progress: both bars moved above 0 and ended at 100 for every file sent.
    const seen = await progressSeen(page);
    for (const name of ['notes.txt', 'photo.png', 'report.pdf', 'eicar.txt']) {
      for (const bar of ['hashing', 'sending'] as const) {
        const values = seen[name]?.[bar] ?? [];
        expect({ name, bar, above0: values.some((v) => v > 0), last: values.at(-1) }).toEqual({
          name,
          bar,
          above0: true,
          last: 100,
        });
      }
    }
    // The 20 MiB PDF was seen part-way: hashed in chunks and sent with upload progress.
    const pdf = seen['report.pdf']!;
    expect(pdf.hashing!.some((v) => v > 0 && v < 100)).toBe(true);
    expect(pdf.sending!.some((v) => v > 0 && v < 100)).toBe(true);
    // Hashing ran in the client's worker, bundled beside the page.
    expect(tab.log.filter((line) => /hash worker|pageerror/i.test(line))).toEqual([]);
  });

  it('refuses a file too large, one of a wrong type, and one the API finds too large for its kind, each with a clear message', async () => {
    const picked = [
      files.sparse('huge-scan.pdf', 150),
      files.raw('setup.exe', 'MZ\x90\x00 not really a program'),
      files.raw('big-log.txt', Buffer.alloc(11 * 1024 * 1024, 'log line\n')),
    ];
    const input = await page.$('input[type="file"]');
    await input!.uploadFile(...picked);
    for (const name of ['huge-scan.pdf', 'setup.exe', 'big-log.txt']) await settle(name);

    const shown = Object.fromEntries(
      (await rows(page)).map((r) => [
        r.fileName,
        { state: r.state, code: r.errorCode, message: r.message },
      ]),
    );
    // Checked by the page against the token's limits, before hashing a byte.
    expect(shown['huge-scan.pdf']).toEqual({
      state: 'refused',
      code: 'file_too_large',
      message: 'Too large: 150 MiB, the limit is 100 MiB.',
    });
    expect(shown['setup.exe']).toEqual({
      state: 'refused',
      code: 'unsupported_type',
      message: expect.stringMatching(
        /^Wrong type: .+ is not accepted here\. Accepted: images, PDF, text/,
      ),
    });
    // Under the token's 100 MiB but over the API's 10 MiB for text: the API's 413, said plainly.
    expect(shown['big-log.txt']).toEqual({
      state: 'refused',
      code: 'file_too_large',
      message: 'Too large: the limit for this kind of file is 10 MiB.',
    });
    // Errors are announced to assistive technology.
    const alerts = await page.$$eval(`${row('setup.exe')} [role="alert"]`, (found) => found.length);
    expect(alerts).toBe(1);

    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, 'demo-page');
  });
});
