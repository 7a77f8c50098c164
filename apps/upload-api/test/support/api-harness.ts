import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { loadUploadApiConfig, type UploadApiConfig } from '@airlock/config';
import { createLogger } from '@airlock/runtime';
import { createPool, PgTenantAdmin, PgUploadRepository, type Pool } from '@airlock/postgres';
import { composeUploadApi } from '../../src/compose.ts';

import { createTenant, type ApiAnswer, type Tenant } from '@airlock/testing';

export type { Tenant };

/** The real API on an ephemeral port, wired to the local stack's Postgres and S3. */
export class ApiHarness {
  readonly pool: Pool;
  readonly tenants: PgTenantAdmin;
  readonly uploads: PgUploadRepository;
  readonly config: UploadApiConfig;
  #server: Server | undefined;
  #close: (() => Promise<void>) | undefined;
  baseUrl = '';

  constructor(overrides: Record<string, string> = {}) {
    this.config = loadUploadApiConfig({ ...process.env, LOG_LEVEL: 'silent', ...overrides });
    this.pool = createPool(this.config.databaseUrl, { max: 4 });
    this.tenants = new PgTenantAdmin({ pool: this.pool });
    this.uploads = new PgUploadRepository({ pool: this.pool });
  }

  async start(): Promise<this> {
    const composed = composeUploadApi(
      this.config,
      createLogger({ level: 'silent', service: 'test' }),
    );
    this.#close = composed.close;
    this.#server = composed.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => this.#server!.once('listening', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
    await this.#close?.();
    await this.pool.end();
  }

  /** A fresh customer with one site and one key: every test owns its tenant. */
  tenant(): Promise<Tenant> {
    return createTenant(this.tenants);
  }

  async request(
    method: string,
    path: string,
    options: { apiKey?: string; body?: unknown; rawBody?: string } = {},
  ) {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        ...(options.body !== undefined || options.rawBody !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
      },
      body:
        options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as ApiAnswer,
    };
  }
}

export { fileOf, uniqueText } from '@airlock/testing';
