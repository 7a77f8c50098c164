import { z } from 'zod';
import { PermanentFailure } from './outcomes.ts';
import { parseMessage } from './parse-message.ts';

const schema = z.object({ id: z.string(), n: z.number().default(1) });

describe('parseMessage', () => {
  it('returns the parsed body, defaults applied', () => {
    expect(parseMessage(schema, '{"id":"a"}')).toEqual({ id: 'a', n: 1 });
  });

  it.each([
    ['not JSON', '{', 'unparseable_message'],
    ['not the schema', '{"id":1}', 'invalid_message'],
  ])('fails permanently for a body that is %s', (_label, body, reason) => {
    expect(() => parseMessage(schema, body)).toThrow(PermanentFailure);
    try {
      parseMessage(schema, body);
    } catch (error) {
      expect((error as PermanentFailure).reason).toBe(reason);
    }
  });
});
