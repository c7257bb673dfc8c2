import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { type ObjectStore, openObjectStore } from '../../src/lake/store.ts';

export interface TestS3 {
  endpoint: string;
  /** A store on the server under `s3://lake/<prefix>`. */
  store(prefix: string): ObjectStore;
  close(): Promise<void>;
}

/** An S3-compatible server (s3rver) on a free loopback port, with bucket `lake`. */
export async function startS3(): Promise<TestS3> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: mkdtempSync(path.join(tmpdir(), 'gourmand-s3rver-')),
    configureBuckets: [{ name: 'lake' }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    store: (prefix) =>
      openObjectStore(
        { lakeUrl: `s3://lake/${prefix}`, s3Endpoint: endpoint, s3Region: 'us-east-1' },
        { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
      ),
    close: () => server.close(),
  };
}
