import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import puppeteer, { type Browser, type ConsoleMessage, type Page } from 'puppeteer-core';

/**
 * Real-browser tests: headless Chromium from Debian's `chromium` package
 * (`apt-get install chromium`; `.ci/run` installs it), driven by
 * puppeteer-core, which never downloads a browser of its own.
 * `CHROMIUM_PATH` points at another binary.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type BrowserOptions = {
  /** Extra command-line switches. */
  readonly args?: readonly string[];
  readonly viewport?: { readonly width: number; readonly height: number };
};

/** One browser per test file: launch in `beforeAll`, `close()` in `afterAll`. */
export async function launchBrowser(options: BrowserOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
  return puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Chromium refuses to run its sandbox as root (CI and this machine run as root).
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-dev-shm-usage',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
      '--hide-scrollbars',
      '--font-render-hinting=none',
      ...(options.args ?? []),
    ],
    defaultViewport: options.viewport ?? { width: 1100, height: 860, deviceScaleFactor: 1 },
    protocolTimeout: 60_000,
    // The stack's services are detached: the browser goes with the test process.
    handleSIGINT: true,
    handleSIGTERM: true,
  });
}

/** A page plus what it said: console messages, uncaught errors and failed requests, for failure messages. */
export type TestPage = { readonly page: Page; readonly log: string[] };

/** A new page whose console, errors and failed requests are collected into `log`. */
export async function openPage(browser: Browser, url?: string): Promise<TestPage> {
  const page = await browser.newPage();
  const log: string[] = [];
  page.on('console', (message: ConsoleMessage) =>
    log.push(`console.${message.type()}: ${message.text()}`),
  );
  page.on('pageerror', (error) => log.push(`pageerror: ${(error as Error).message ?? error}`));
  page.on('requestfailed', (request) =>
    log.push(
      `requestfailed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`,
    ),
  );
  page.setDefaultTimeout(30_000);
  if (url) await page.goto(url, { waitUntil: 'load' });
  return { page, log };
}

/** A PNG of the page (or of one element) written to `path`, folders made as needed. */
export async function screenshot(
  page: Page,
  path: string,
  options: {
    readonly selector?: string;
    readonly fullPage?: boolean;
    /** A region of the page, in CSS pixels from its top left. */
    readonly clip?: { x: number; y: number; width: number; height: number };
  } = {},
): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  if (options.clip) {
    await page.screenshot({
      path: path as `${string}.png`,
      clip: options.clip,
      captureBeyondViewport: true,
    });
  } else if (options.selector) {
    const element = await page.$(options.selector);
    if (!element) throw new Error(`no ${options.selector} to screenshot`);
    await element.screenshot({ path: path as `${string}.png` });
  } else {
    await page.screenshot({ path: path as `${string}.png`, fullPage: options.fullPage ?? true });
  }
  return path;
}

/**
 * Waits until `selector` matches an element whose attribute `name` is one of
 * `values` (e.g. a row's `data-state` reaching `ready`); the message names
 * the value it had when the wait gave up.
 */
export async function waitForAttribute(
  page: Page,
  selector: string,
  name: string,
  values: readonly string[],
  timeoutMs = 60_000,
): Promise<string> {
  try {
    const handle = await page.waitForFunction(
      (sel: string, attr: string, wanted: string[]) => {
        // Runs in the page; typed without the DOM library (see tsconfig.json).
        const { document } = globalThis as unknown as {
          document: { querySelector(s: string): { getAttribute(a: string): string | null } | null };
        };
        const value = document.querySelector(sel)?.getAttribute(attr);
        return value && wanted.includes(value) ? value : false;
      },
      { timeout: timeoutMs, polling: 100 },
      selector,
      name,
      [...values],
    );
    return (await handle.jsonValue()) as string;
  } catch (error) {
    const last = await page
      .$eval(selector, (element, attr) => element.getAttribute(attr), name)
      .catch(() => 'no such element');
    throw new Error(
      `${selector} [${name}] is ${last}, not ${values.join('/')} after ${timeoutMs} ms: ${(error as Error).message}`,
    );
  }
}
