import { flattenExport } from './otlp-spans.ts';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';

describe('flattenExport', () => {
  it('gives one record per span, with its service, attributes and links', () => {
    const spans = flattenExport({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'verifier' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE_ID,
                  spanId: 'eee19b7ec3c1b174',
                  parentSpanId: 'eee19b7ec3c1b173',
                  name: 'SELECT',
                  kind: 3,
                  startTimeUnixNano: '1544712660000000000',
                  endTimeUnixNano: '1544712661000000000',
                  attributes: [
                    { key: 'db.system.name', value: { stringValue: 'postgresql' } },
                    { key: 'server.port', value: { intValue: '5432' } },
                    { key: 'ok', value: { boolValue: true } },
                    { key: 'ratio', value: { doubleValue: 0.5 } },
                    { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }] } } },
                  ],
                  links: [{ traceId: TRACE_ID, spanId: '0000000000000001' }],
                  status: { code: 2 },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(spans).toEqual([
      {
        traceId: TRACE_ID,
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: 'eee19b7ec3c1b173',
        name: 'SELECT',
        kind: 3,
        service: 'verifier',
        startTimeUnixNano: '1544712660000000000',
        endTimeUnixNano: '1544712661000000000',
        status: 2,
        attributes: {
          'db.system.name': 'postgresql',
          'server.port': 5432,
          ok: true,
          ratio: 0.5,
          list: ['a'],
        },
        links: [{ traceId: TRACE_ID, spanId: '0000000000000001' }],
      },
    ]);
  });

  it('takes an empty export', () => {
    expect(flattenExport({})).toEqual([]);
    expect(flattenExport({ resourceSpans: [{ scopeSpans: [{}] }] })).toEqual([]);
  });
});
