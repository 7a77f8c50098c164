import type { Browser, CDPSession, Page } from 'puppeteer-core';
import { StackClients, waitForState } from '@airlock/testing';
import { launchBrowser, openPage, waitForAttribute, type TestPage } from '@airlock/testing/browser';
import { PageFiles, row, rows, shootUploads, webUrl } from './support/demo-page.ts';

const MiB = 1024 * 1024;
const stack = new StackClients();
const files = new PageFiles();
let browser: Browser;
let tab: TestPage;
let page: Page;
let network: CDPSession;

beforeAll(async () => {
  browser = await launchBrowser();
  tab = await openPage(browser);
  page = tab.page;
  // Uploads at 2 MiB/s: a 20 MiB PDF takes ten seconds to send, so "mid-upload" is certain.
  network = await page.createCDPSession();
  await network.send('Network.enable');
  await network.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 2 * MiB,
  });
});

afterAll(async () => {
  await browser?.close();
  files.remove();
  await stack.pool.end();
});

/** Picks `path` and waits until its bytes are on their way: its upload exists and has sent some. */
async function startSending(path: string, fileName: string): Promise<string> {
  await page.goto(webUrl(), { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]');
  const input = await page.$('input[type="file"]');
  await input!.uploadFile(path);
  await waitForAttribute(page, row(fileName), 'data-state', ['uploading'], 30_000);
  await page.waitForFunction(
    (selector: string) =>
      Number(
        document
          .querySelector(`${selector} progress[data-progress="sending"]`)
          ?.getAttribute('value'),
      ) >= 10,
    { timeout: 30_000, polling: 100 },
    row(fileName),
  );
  const uploadId = await page.$eval(row(fileName), (item) => item.getAttribute('data-upload-id'));
  expect(uploadId).toMatch(/^[0-9a-f-]{36}$/);
  const { upload } = await waitForState(stack.uploads, uploadId!, ['pending'], 5_000);
  expect(upload.state).toBe('pending');
  return uploadId!;
}

/** The upload ended cancelled, and stays so: no bytes arrive for it later. */
async function expectCancelled(uploadId: string) {
  const { upload } = await waitForState(stack.uploads, uploadId, ['expired'], 15_000);
  expect({ state: upload.state, reason: upload.reason }).toEqual({
    state: 'expired',
    reason: 'cancelled',
  });
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const later = await stack.uploads.findWithHistory(uploadId);
  expect(later!.upload.state).toBe('expired');
}

describe('leaving the demo page mid-upload (headless Chromium)', () => {
  it('a reload cancels the upload in flight and shows it cancelled: nothing is left pending', async () => {
    const uploadId = await startSending(files.pdf('big-report.pdf', 20), 'big-report.pdf');
    await shootUploads(page, 'demo-page-sending');

    await page.reload({ waitUntil: 'load' });
    // After the reload the page lists what the last visit left in flight, with the API's answer.
    const state = await waitForAttribute(
      page,
      `.upload[data-upload-id="${uploadId}"]`,
      'data-state',
      ['expired'],
      15_000,
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}\n${JSON.stringify(await rows(page))}\n${tab.log.join('\n')}`,
      );
    });
    expect(state).toBe('expired');
    const [shown] = (await rows(page)).filter((r) => r.uploadId === uploadId);
    expect(shown).toMatchObject({ reason: 'cancelled', fileName: 'big-report.pdf' });
    expect(shown!.message).toMatch(/cancelled, nothing was kept/);
    await expectCancelled(uploadId);
    // Nothing is left to recover on the next visit.
    expect(await page.evaluate(() => localStorage.getItem('airlock-demo:in-flight'))).toBeNull();
  });

  it('navigating away cancels it on pagehide alone (keepalive DELETE with the upload token)', async () => {
    const uploadId = await startSending(files.pdf('away.pdf', 20), 'away.pdf');
    // Another site: the demo page never runs again, so only its pagehide request can cancel.
    await page.goto('about:blank');
    await expectCancelled(uploadId);
  });

  it('the Cancel button stops sending and cancels the upload at the API', async () => {
    const uploadId = await startSending(files.pdf('cancel-me.pdf', 20), 'cancel-me.pdf');
    await page.click(`${row('cancel-me.pdf')} button`);
    expect(
      await waitForAttribute(page, row('cancel-me.pdf'), 'data-state', ['expired'], 15_000),
    ).toBe('expired');
    expect(await page.$eval(row('cancel-me.pdf'), (item) => item.textContent)).toContain(
      'Cancelled: nothing was kept.',
    );
    await expectCancelled(uploadId);
    expect(await page.evaluate(() => localStorage.getItem('airlock-demo:in-flight'))).toBeNull();
  });
});
