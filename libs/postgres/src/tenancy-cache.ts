import { setTimeout as sleep } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { hashApiKey, type Site, type SiteDirectory } from '@airlock/core';
import type { Caller } from './tenant-admin.adapter.ts';

/** The channel migration 1764002500000 notifies on any change to api_keys, sites or customers. */
export const TENANCY_CHANNEL = 'airlock_tenancy_changed';

/** The listening connection's application_name (pg_stat_activity). */
export const TENANCY_LISTENER_NAME = 'airlock-tenancy-listener';

export type TenancyCacheOptions = {
  /** Entries per map (keys, sites); the least recently used goes first. @defaultValue 10000 */
  readonly maxEntries?: number;
  /** How often the listening connection is proven alive. @defaultValue 250 */
  readonly heartbeatMs?: number;
  /**
   * How long an answered heartbeat vouches for the connection, from when it
   * was sent: past it, the cache is bypassed. This bounds how late a
   * revocation can be seen, even on a connection that died silently. @defaultValue 1000
   */
  readonly freshForMs?: number;
  readonly onListenerError?: (error: Error) => void;
};

/** The lookups behind the cache: the database's answers. */
export type TenancyLookups = {
  authenticate(key: string): Promise<Caller | undefined>;
  findSite(siteId: string): Promise<Site | undefined>;
};

/**
 * API keys (by the SHA-256 of the whole key) and sites, held in process so
 * the common request costs no lookup. Only found rows are cached. One
 * dedicated connection per process LISTENs on {@link TENANCY_CHANNEL}; any
 * notice drops everything. The cache answers only while that connection is
 * proven alive by a heartbeat sent less than `freshForMs` ago: a lost or hung
 * connection means every lookup goes to the database until it listens again
 * (and it starts empty then), so a revocation is never missed and is seen
 * everywhere within `freshForMs` (1 s) of its commit.
 */
export class TenancyCache implements SiteDirectory {
  readonly #lookups: TenancyLookups;
  readonly #databaseUrl: string;
  readonly #options: Required<Omit<TenancyCacheOptions, 'onListenerError'>>;
  readonly #onListenerError: (error: Error) => void;
  readonly #keys: LRUCache<string, Caller>;
  readonly #sites: LRUCache<string, Site>;
  /** Bumped on every drop: a lookup started before one is not cached. */
  #generation = 0;
  #vouchedUntil = 0;
  #stopped = false;
  readonly #stop = new AbortController();
  #client: pg.Client | undefined;
  #running: Promise<void> | undefined;

  constructor(databaseUrl: string, lookups: TenancyLookups, options: TenancyCacheOptions = {}) {
    this.#databaseUrl = databaseUrl;
    this.#lookups = lookups;
    this.#options = {
      maxEntries: options.maxEntries ?? 10_000,
      heartbeatMs: options.heartbeatMs ?? 250,
      freshForMs: options.freshForMs ?? 1_000,
    };
    this.#onListenerError = options.onListenerError ?? (() => {});
    this.#keys = new LRUCache({ max: this.#options.maxEntries });
    this.#sites = new LRUCache({ max: this.#options.maxEntries });
  }

  /** True while lookups are answered from memory. */
  get listening(): boolean {
    return Date.now() < this.#vouchedUntil;
  }

  start(): this {
    this.#running ??= this.#listen();
    return this;
  }

  async close(): Promise<void> {
    this.#stopped = true;
    this.#stop.abort();
    await this.#client?.end().catch(() => undefined);
    await this.#running;
  }

  authenticate(key: string): Promise<Caller | undefined> {
    return this.#cached(this.#keys, hashApiKey(key).toString('base64'), () =>
      this.#lookups.authenticate(key),
    );
  }

  findSite(siteId: string): Promise<Site | undefined> {
    return this.#cached(this.#sites, siteId, () => this.#lookups.findSite(siteId));
  }

  async #cached<V extends object>(
    map: LRUCache<string, V>,
    key: string,
    load: () => Promise<V | undefined>,
  ): Promise<V | undefined> {
    if (!this.listening) return load();
    const hit = map.get(key);
    if (hit !== undefined) return hit;
    const generation = this.#generation;
    const value = await load();
    if (value !== undefined && generation === this.#generation && this.listening) {
      map.set(key, value);
    }
    return value;
  }

  /** Waits `ms`, or less when closed. */
  #pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.#stop.signal }).catch(() => undefined);
  }

  #drop(): void {
    this.#generation++;
    this.#keys.clear();
    this.#sites.clear();
  }

  #lost(error: Error): void {
    this.#vouchedUntil = 0;
    this.#drop();
    if (!this.#stopped) this.#onListenerError(error);
  }

  async #listen(): Promise<void> {
    let backoffMs = 100;
    while (!this.#stopped) {
      const client = new pg.Client({
        connectionString: this.#databaseUrl,
        application_name: TENANCY_LISTENER_NAME,
        // A hung connection is given up and replaced rather than waited on.
        query_timeout: this.#options.freshForMs * 2,
        connectionTimeoutMillis: this.#options.freshForMs * 5,
        keepAlive: true,
      });
      this.#client = client;
      client.on('error', (error) => this.#lost(error));
      client.on('notification', () => this.#drop());
      try {
        await client.connect();
        await client.query(`LISTEN ${TENANCY_CHANNEL}`);
        // Notices sent while nobody listened are lost: start empty.
        this.#drop();
        backoffMs = 100;
        while (!this.#stopped) {
          const sent = Date.now();
          await client.query('SELECT 1');
          // Every notice committed before this answer has been delivered ahead of it.
          this.#vouchedUntil = sent + this.#options.freshForMs;
          await this.#pause(this.#options.heartbeatMs);
        }
      } catch (error) {
        this.#lost(error as Error);
      } finally {
        this.#vouchedUntil = 0;
        await client.end().catch(() => undefined);
      }
      if (!this.#stopped) {
        await this.#pause(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 2_000);
      }
    }
  }
}
