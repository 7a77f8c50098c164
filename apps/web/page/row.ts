import {
  describeOutcome,
  FINAL_STATES,
  formatBytes,
  percent,
  PIPELINE,
  STATE_LABELS,
  type RowState,
} from './format.ts';

export type Downloads = {
  readonly original: { readonly url: string };
  readonly renditions: ReadonlyArray<{ readonly name: string; readonly url: string }>;
};
export type Rendition = { readonly name: string; readonly width: number; readonly height: number };

let rows = 0;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * One file's row. Its `data-state` is the upload's current state, the
 * contract for tests: `hashing`, `uploading`, then the API's states, or
 * `refused` / `failed` when no upload came of it; `data-upload-id` once the
 * API created it; `data-error-code` with an API or page refusal.
 */
export class UploadRow {
  readonly element: HTMLLIElement;
  readonly #badge: HTMLSpanElement;
  readonly #hashBar: HTMLProgressElement;
  readonly #hashText: HTMLSpanElement;
  readonly #sendBar: HTMLProgressElement;
  readonly #sendText: HTMLSpanElement;
  readonly #steps: HTMLOListElement;
  readonly #message: HTMLParagraphElement;
  readonly #thumb: HTMLDivElement;
  readonly #actions: HTMLDivElement;
  readonly #cancel: HTMLButtonElement;
  readonly #announce: (text: string) => void;
  #state: RowState = 'queued';

  constructor(
    file: { readonly name: string; readonly size: number },
    announce: (text: string) => void,
  ) {
    this.#announce = announce;
    const id = `upload-${(rows += 1)}`;
    this.element = element('li', {
      class: 'upload',
      'data-state': 'queued',
      'data-file-name': file.name,
      'aria-labelledby': `${id}-name`,
    });
    this.#thumb = element('div', { class: 'thumb', 'aria-hidden': 'true' });
    const extension = file.name.includes('.') ? file.name.split('.').pop()!.slice(0, 4) : 'file';
    this.#thumb.append(element('span', { class: 'extension' }, extension.toUpperCase()));

    const body = element('div', { class: 'body' });
    const head = element('div', { class: 'head' });
    head.append(
      element('span', { class: 'name', id: `${id}-name`, title: file.name }, file.name),
      element('span', { class: 'size' }, formatBytes(file.size)),
    );
    this.#badge = element('span', { class: 'badge', 'data-role': 'state' }, STATE_LABELS.queued);
    head.append(this.#badge);

    const bars = element('div', { class: 'bars' });
    const bar = (name: string, label: string) => {
      const wrap = element('div', { class: 'bar' });
      const caption = element('span', { class: 'bar-label', id: `${id}-${name}` }, label);
      const progress = element('progress', {
        max: '100',
        value: '0',
        'data-progress': name,
        'aria-labelledby': `${id}-${name} ${id}-name`,
      });
      const text = element('span', { class: 'bar-value' }, '0%');
      wrap.append(caption, progress, text);
      bars.append(wrap);
      return [progress, text] as const;
    };
    [this.#hashBar, this.#hashText] = bar('hashing', 'Hashing');
    [this.#sendBar, this.#sendText] = bar('sending', 'Sending');

    this.#steps = element('ol', { class: 'steps', 'aria-label': 'Pipeline' });
    for (const step of PIPELINE)
      this.#steps.append(element('li', { 'data-step': step }, STATE_LABELS[step].split(',')[0]!));
    this.#steps.querySelector('[data-step="pending"]')!.textContent = 'Pending';

    this.#message = element('p', { class: 'message', 'data-role': 'message' });
    this.#actions = element('div', { class: 'actions' });
    this.#cancel = element('button', { type: 'button', class: 'link' }, 'Cancel');
    this.#cancel.hidden = true;
    this.#actions.append(this.#cancel);
    body.append(head, bars, this.#steps, this.#message, this.#actions);
    this.element.append(this.#thumb, body);
  }

  get state(): RowState {
    return this.#state;
  }

  onCancel(handler: () => void): void {
    this.#cancel.hidden = false;
    this.#cancel.onclick = () => {
      this.#cancel.disabled = true;
      handler();
    };
  }

  setUploadId(uploadId: string): void {
    this.element.dataset.uploadId = uploadId;
  }

  setState(state: RowState, message?: string): void {
    if (state !== this.#state) {
      this.#state = state;
      this.element.dataset.state = state;
      this.#badge.textContent = STATE_LABELS[state];
      // While its bytes are sent, the upload is already `pending` at the API.
      const reached = PIPELINE.indexOf(
        (state === 'uploading' ? 'pending' : state) as (typeof PIPELINE)[number],
      );
      for (const [index, step] of [...this.#steps.children].entries()) {
        step.classList.toggle('done', reached >= 0 && index < reached);
        step.classList.toggle('current', index === reached && state !== 'ready');
        step.classList.toggle('done-last', state === 'ready' && index === reached);
      }
      // Only bytes on their way can be cancelled; the pipeline then runs to its end.
      this.#cancel.hidden =
        this.#cancel.onclick === null || (state !== 'hashing' && state !== 'uploading');
      if (FINAL_STATES.includes(state)) {
        this.#announce(`${this.element.dataset.fileName}: ${STATE_LABELS[state]}`);
      }
    }
    if (message !== undefined) this.setMessage(message, isError(state) ? 'error' : 'info');
  }

  /** A refusal or failure: the state, its code and a plain message. */
  fail(state: 'refused' | 'failed', code: string, message: string): void {
    this.element.dataset.errorCode = code;
    this.setState(state, message);
  }

  /**
   * The pipeline's outcome (`ready`, `quarantined`, …) with its reason; with
   * the upload's history, the steps it passed are marked and the one that
   * stopped it named.
   */
  settle(
    state: RowState,
    reason: string | null | undefined,
    history?: ReadonlyArray<{ readonly to: string }>,
    processed = false,
  ): void {
    if (reason) this.element.dataset.reason = reason;
    this.setState(state, describeOutcome(state, reason, processed));
    if (!history || state === 'ready') return;
    const passed = new Set(history.map((step) => step.to));
    for (const step of this.#steps.children) {
      step.classList.remove('current');
      step.classList.toggle('done', passed.has(step.getAttribute('data-step') ?? ''));
    }
    const stop = element('li', { 'data-step': state, class: 'stopped' }, STATE_LABELS[state]);
    const next = [...this.#steps.children].find((step) => !step.classList.contains('done'));
    if (next) next.replaceWith(stop);
    else this.#steps.append(stop);
    for (const step of [...this.#steps.children]) {
      if (step !== stop && !step.classList.contains('done')) step.remove();
    }
  }

  setMessage(text: string, kind: 'info' | 'error'): void {
    this.#message.textContent = text;
    this.#message.className = `message ${kind}`;
    if (kind === 'error') this.#message.setAttribute('role', 'alert');
    else this.#message.removeAttribute('role');
  }

  hashed(done: number, total: number): void {
    const value = percent(done, total);
    this.#hashBar.value = value;
    this.#hashText.textContent = `${value}%`;
  }

  sent(done: number, total: number): void {
    const value = percent(done, total);
    this.#sendBar.value = value;
    this.#sendText.textContent = `${value}%`;
  }

  /** Nothing was sent: the same content was already here. */
  nothingToSend(): void {
    this.hashed(1, 1);
    this.sent(1, 1);
    this.#sendText.textContent = 'not needed';
  }

  /** The smallest rendition as a thumbnail, and the original as a download. */
  showDownloads(downloads: Downloads, renditions: readonly Rendition[], fileName: string): void {
    const smallest = [...renditions].sort((a, b) => a.width - b.width)[0];
    const url = smallest && downloads.renditions.find((r) => r.name === smallest.name)?.url;
    if (smallest && url) {
      const img = element('img', {
        src: url,
        alt: `Thumbnail of ${fileName}`,
        width: String(smallest.width),
        height: String(smallest.height),
        'data-rendition': smallest.name,
      });
      this.#thumb.replaceChildren(img);
      this.#thumb.classList.add('has-image');
      this.#thumb.removeAttribute('aria-hidden');
    }
    if (!this.#actions.querySelector('a')) {
      this.#actions.append(
        element(
          'a',
          { href: downloads.original.url, class: 'link', 'data-role': 'download', rel: 'noopener' },
          'Download original',
        ),
      );
    }
  }
}

const isError = (state: RowState) =>
  state === 'refused' || state === 'failed' || state === 'rejected' || state === 'quarantined';
