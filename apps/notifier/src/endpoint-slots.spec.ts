import { EndpointSlots } from './endpoint-slots.ts';

describe('EndpointSlots', () => {
  it('gives each endpoint its own slots and takes them back on release, once', () => {
    const slots = new EndpointSlots(2);
    const first = slots.tryAcquire('a');
    const second = slots.tryAcquire('a');
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(slots.tryAcquire('a')).toBeUndefined();
    expect(slots.tryAcquire('b')).toBeDefined();

    first!();
    first!();
    expect(slots.tryAcquire('a')).toBeDefined();
    expect(slots.tryAcquire('a')).toBeUndefined();
  });
});
