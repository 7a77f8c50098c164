import { createHash, createHmac } from 'node:crypto';
import { objectKey, tenantFolder, type FolderMode } from './key-layout.ts';
import type { AllowedType } from './type-policy.ts';

const SECRET = 'a-folder-secret-of-at-least-32-characters';
const hmac = (length: number, secret = SECRET): FolderMode => ({ mode: 'hmac', secret, length });

describe('tenantFolder', () => {
  describe('md5-compat', () => {
    it('is md5("101-22"), the seed article layout', () => {
      const folder = tenantFolder('101', '22', { mode: 'md5-compat' });
      expect(folder).toBe(createHash('md5').update('101-22').digest('hex'));
      expect(folder).toBe('7dca13487e0d0224cdf958de61b3c010');
    });

    it('differs per site', () => {
      expect(tenantFolder('101', '23', { mode: 'md5-compat' })).not.toBe(
        tenantFolder('101', '22', { mode: 'md5-compat' }),
      );
    });
  });

  describe('hmac', () => {
    it('is the HMAC-SHA256 of "customerId-siteId", truncated', () => {
      const full = createHmac('sha256', SECRET).update('101-22').digest('hex');
      expect(tenantFolder('101', '22', hmac(64))).toBe(full);
      expect(tenantFolder('101', '22', hmac(32))).toBe(full.slice(0, 32));
    });

    it.each([16, 24, 32, 64])('is %i lower-case hex characters long', (length) => {
      const folder = tenantFolder('101', '22', hmac(length));
      expect(folder).toHaveLength(length);
      expect(folder).toMatch(/^[0-9a-f]+$/);
    });

    it('is stable for the same inputs', () => {
      expect(tenantFolder('c', 's', hmac(32))).toBe(tenantFolder('c', 's', hmac(32)));
    });

    it('is the same HMAC when one setting is used again (its key imported once)', () => {
      const setting = hmac(64);
      const full = createHmac('sha256', SECRET).update('7-8').digest('hex');
      expect([1, 2].map(() => tenantFolder('7', '8', setting))).toEqual([full, full]);
    });

    it('changes with the secret', () => {
      const other = 'another-secret-of-at-least-32-characters!';
      expect(tenantFolder('101', '22', hmac(32, other))).not.toBe(
        tenantFolder('101', '22', hmac(32)),
      );
    });

    it('changes with customer and site', () => {
      const base = tenantFolder('101', '22', hmac(32));
      expect(tenantFolder('102', '22', hmac(32))).not.toBe(base);
      expect(tenantFolder('101', '23', hmac(32))).not.toBe(base);
    });

    it('does not reveal the md5-compat folder', () => {
      expect(tenantFolder('101', '22', hmac(32))).not.toBe(
        tenantFolder('101', '22', { mode: 'md5-compat' }),
      );
    });
  });
});

describe('objectKey', () => {
  const png: AllowedType = { contentType: 'image/png', category: 'images', extension: 'png' };
  const sha = 'ab'.repeat(32);

  it('is {folder}/{category}/{sha256}.{ext}', () => {
    expect(objectKey('f0ld3r', png, sha)).toBe(`f0ld3r/images/${sha}.png`);
  });

  it('takes category and extension from the allowed type', () => {
    const pdf: AllowedType = {
      contentType: 'application/pdf',
      category: 'documents',
      extension: 'pdf',
    };
    expect(objectKey('x', pdf, sha)).toBe(`x/documents/${sha}.pdf`);
  });
});
