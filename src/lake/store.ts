import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ConfigError } from '../common/errors.ts';
import type { Settings } from '../config/settings.ts';

/**
 * Where the lake's objects live. Keys are relative, '/'-separated (`business/dt=…/part-0000.parquet`).
 * Every put is atomic: a reader sees the old object or the new one, never a partial one.
 */
export interface ObjectStore {
  readonly url: string;
  /** Uploads a local file under `key`, replacing any object there. */
  putFile(key: string, localFile: string): Promise<void>;
  putText(key: string, text: string): Promise<void>;
  /** The object's text, or undefined when there is none. */
  getText(key: string): Promise<string | undefined>;
  /** A local path holding the object's bytes (the file itself, or a downloaded copy in `cacheDir`). */
  localCopy(key: string, cacheDir: string): Promise<string>;
  /** Every key under the prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(keys: readonly string[]): Promise<void>;
}

export function openObjectStore(
  settings: Pick<Settings, 'lakeUrl' | 's3Endpoint' | 's3Region'>,
  s3Options: Partial<S3ClientConfig> = {},
): ObjectStore {
  const url = new URL(settings.lakeUrl);
  if (url.protocol === 'file:') return new FileStore(fileURLToPath(url));
  if (url.protocol === 's3:') {
    if (!url.hostname)
      throw new ConfigError(`Invalid LAKE_URL "${settings.lakeUrl}": expected s3://bucket/prefix`);
    return new S3Store(url.hostname, url.pathname.replace(/^\/+|\/+$/g, ''), {
      region: settings.s3Region,
      // S3-compatible stores: path-style URLs, and no aws-chunked trailing checksums (several
      // such stores save the chunk framing as object bytes).
      ...(settings.s3Endpoint
        ? {
            endpoint: settings.s3Endpoint,
            forcePathStyle: true,
            requestChecksumCalculation: 'WHEN_REQUIRED' as const,
            responseChecksumValidation: 'WHEN_REQUIRED' as const,
          }
        : {}),
      ...s3Options,
    });
  }
  throw new ConfigError(`Invalid LAKE_URL "${settings.lakeUrl}": expected file:// or s3://`);
}

const TEMP_PREFIX = '.tmp-';

/** A folder on the local disk; atomic through write-to-temp-then-rename in the same folder. */
export class FileStore implements ObjectStore {
  readonly url: string;
  constructor(readonly root: string) {
    this.url = `file://${root}`;
  }

  private pathOf(key: string) {
    return path.join(this.root, ...key.split('/'));
  }

  private async atomically(key: string, write: (temp: string) => Promise<void>) {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = path.join(path.dirname(target), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      await write(temp);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  putFile(key: string, localFile: string) {
    // A hard link costs no copy when the local file is on the lake's file system (lake files are
    // never written in place, so sharing the inode is safe); another file system gets a copy.
    return this.atomically(key, (temp) =>
      link(localFile, temp).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV' && error.code !== 'EPERM') throw error;
        return copyFile(localFile, temp);
      }),
    );
  }

  putText(key: string, text: string) {
    return this.atomically(key, (temp) =>
      pipeline(Readable.from([text]), createWriteStream(temp, { encoding: 'utf8' })),
    );
  }

  async getText(key: string) {
    try {
      return await readFile(this.pathOf(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async localCopy(key: string) {
    return this.pathOf(key);
  }

  async list(prefix: string) {
    const keys: string[] = [];
    const walk = async (dir: string, rel: string) => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(path.join(dir, entry.name), key);
        else if (key.startsWith(prefix)) keys.push(key);
      }
    };
    await walk(this.root, '');
    return keys.sort();
  }

  async delete(keys: readonly string[]) {
    await Promise.all(keys.map((key) => rm(this.pathOf(key), { force: true })));
  }
}

/**
 * An S3 bucket (or S3-compatible store) under a prefix. A PUT is atomic per object; the export
 * writes a partition's manifest last, and readers only read files a manifest lists.
 */
export class S3Store implements ObjectStore {
  readonly url: string;
  private readonly client: S3Client;

  constructor(
    private readonly bucket: string,
    private readonly prefix: string,
    config: S3ClientConfig,
  ) {
    this.url = `s3://${bucket}/${prefix}`;
    this.client = new S3Client(config);
  }

  private keyOf(key: string) {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async putFile(key: string, localFile: string) {
    const { size } = await stat(localFile);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.keyOf(key),
        Body: createReadStream(localFile),
        ContentLength: size,
      }),
    );
  }

  async putText(key: string, text: string) {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), Body: text }));
  }

  async getText(key: string) {
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }),
      );
      return await result.Body!.transformToString('utf8');
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async localCopy(key: string, cacheDir: string) {
    // Lake files are immutable once listed in a manifest (a re-export rewrites the manifest too),
    // so a cached copy of the same size is the same object.
    const target = path.join(cacheDir, ...key.split('/'));
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
    const cached = await stat(target).catch(() => undefined);
    if (cached && cached.size === head.ContentLength) return target;
    const result = await this.client.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }),
    );
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}${TEMP_PREFIX}${randomBytes(6).toString('hex')}`;
    await pipeline(result.Body as Readable, createWriteStream(temp));
    await rename(temp, target);
    return target;
  }

  async list(prefix: string) {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.keyOf(prefix),
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        keys.push(this.prefix ? object.Key!.slice(this.prefix.length + 1) : object.Key!);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async delete(keys: readonly string[]) {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((key) => ({ Key: this.keyOf(key) })) },
        }),
      );
    }
  }
}

/** True for the temp files an interrupted FileStore write may leave behind. */
export function isTempKey(key: string): boolean {
  return key.split('/').pop()!.startsWith(TEMP_PREFIX);
}
