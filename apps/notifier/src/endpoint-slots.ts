/**
 * At most `perEndpoint` deliveries to one customer's endpoint at once in this
 * process, so an endpoint that hangs holds a few of the notifier's slots, not
 * all of them, and every other customer's webhooks keep flowing.
 */
export class EndpointSlots {
  readonly #perEndpoint: number;
  readonly #inFlight = new Map<string, number>();

  constructor(perEndpoint: number) {
    this.#perEndpoint = perEndpoint;
  }

  /** @returns the release function, or undefined when the endpoint's slots are all taken. */
  tryAcquire(customerId: string): (() => void) | undefined {
    const taken = this.#inFlight.get(customerId) ?? 0;
    if (taken >= this.#perEndpoint) return undefined;
    this.#inFlight.set(customerId, taken + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#inFlight.get(customerId) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(customerId, left);
      else this.#inFlight.delete(customerId);
    };
  }
}
