import { accessLogSerializers } from './access-log.ts';

describe('accessLogSerializers', () => {
  it('keep who asked what and the status, and drop every header', () => {
    const req = accessLogSerializers.req({
      id: 7,
      method: 'GET',
      url: '/v1/uploads/u1/content',
      remoteAddress: '10.0.0.1',
      headers: { authorization: 'Bearer ak_live_secret', cookie: 's=1' },
    } as Parameters<typeof accessLogSerializers.req>[0]);
    const res = accessLogSerializers.res({
      statusCode: 302,
      headers: { location: 'http://s3/k?X-Amz-Signature=abc' },
    } as Parameters<typeof accessLogSerializers.res>[0]);
    expect(req).toEqual({
      id: 7,
      method: 'GET',
      url: '/v1/uploads/u1/content',
      remoteAddress: '10.0.0.1',
    });
    expect(res).toEqual({ statusCode: 302 });
  });
});
