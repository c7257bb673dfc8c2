import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../common/logger.ts';
import type { CachedResponse } from './cache.ts';

const CHANNEL = '__redis__:invalidate';
const HEARTBEAT_MS = 500;

// Every near cache of this process, so a load finishing in this process empties them at once
// (without waiting for Redis to announce its version bump).
const liveNearCaches = new Set<NearCache>();

/**
 * This process's copy of the Redis entries it has read, served with no round trip. Redis's
 * client-side caching keeps it honest: a subscriber connection asks Redis to announce every change
 * under the cache's prefix (`CLIENT TRACKING ON BCAST PREFIX … REDIRECT <itself>`) and drops what
 * is announced; a version bump empties it. A change made by this process is dropped here before the
 * write returns; one made by another process once Redis's announcement arrives (on loopback, well
 * under a millisecond).
 *
 * It is trusted only while the subscriber is tracking and has answered a heartbeat in the last
 * `HEARTBEAT_MS`: a lost or silent subscriber could miss announcements, so it then empties and
 * serves nothing until tracking is back.
 */
export class NearCache {
  private readonly entries: LRUCache<string, CachedResponse>;
  /** Moves with every announcement: a read that raced one is not kept. */
  private generation = 0;
  private tracking = false;
  private answeredAt = 0;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly versionKey: string,
    maxBytes: number,
    private readonly log: Logger,
  ) {
    this.entries = new LRUCache({ maxSize: maxBytes, sizeCalculation: (value) => value.body.length + 64 });
    subscriber.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
      if (channel.toString() === CHANNEL) this.announced(keys);
    });
    subscriber.on('ready', () => void this.track());
    subscriber.on('close', () => this.distrust());
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS).unref();
    liveNearCaches.add(this);
  }

  /** Usable now: tracking is on and the subscriber answered within the last heartbeat. */
  get trusted(): boolean {
    return this.tracking && performance.now() - this.answeredAt < 2 * HEARTBEAT_MS;
  }

  /** The generation to hand back to `keep` after a read from Redis. */
  get current(): number {
    return this.generation;
  }

  get(redisKey: string): CachedResponse | undefined {
    return this.trusted ? this.entries.get(redisKey) : undefined;
  }

  /** Keeps what a read found, unless something was announced since the read began. */
  keep(generation: number, redisKey: string, value: CachedResponse) {
    if (this.trusted && generation === this.generation) this.entries.set(redisKey, value);
  }

  /** Drops keys this process itself just deleted in Redis (their announcement comes later). */
  drop(redisKeys: readonly string[]) {
    this.generation++;
    for (const key of redisKeys) this.entries.delete(key);
  }

  clear() {
    this.generation++;
    this.entries.clear();
  }

  private announced(keys: Buffer[] | null) {
    // A null list is Redis dropping every tracked key (FLUSHALL, a full tracking table).
    if (keys === null || keys.some((key) => key.toString() === this.versionKey)) return this.clear();
    this.drop(keys.map((key) => key.toString()));
  }

  private async track() {
    try {
      const id = await this.subscriber.client('ID');
      await this.subscriber.call(
        'CLIENT',
        'TRACKING',
        'ON',
        'REDIRECT',
        String(id),
        'BCAST',
        'PREFIX',
        this.prefix,
      );
      await this.subscriber.subscribe(CHANNEL);
      this.clear();
      this.answeredAt = performance.now();
      this.tracking = true;
    } catch (error) {
      this.log.warn({ err: error }, 'cache: Redis client tracking unavailable; every hit asks Redis');
    }
  }

  private distrust() {
    this.tracking = false;
    this.clear();
  }

  private async beat() {
    if (!this.tracking) return;
    try {
      await this.subscriber.ping();
      // Entries kept from before a silence may have missed announcements made during it.
      if (!this.trusted) this.clear();
      this.answeredAt = performance.now();
    } catch {
      this.clear();
    }
  }

  close() {
    clearInterval(this.heartbeat);
    liveNearCaches.delete(this);
    this.distrust();
    this.subscriber.disconnect();
  }
}

/** Empties every near cache of this process. */
export function clearNearCaches() {
  for (const near of liveNearCaches) near.clear();
}
