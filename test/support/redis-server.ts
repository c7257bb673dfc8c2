import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/** The redis-server binary of this machine (tests that need a Redis to misbehave start their own). */
function redisServerBinary(): string {
  try {
    return execFileSync('which', ['redis-server'], { encoding: 'utf8' }).trim() || '/usr/bin/redis-server';
  } catch {
    return '/usr/bin/redis-server';
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A private redis-server on a free port, which the test may kill, restart (with the data it last
 * saved) or freeze (SIGSTOP) by its PID. Never the shared Redis on 6379.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), mkdtempSync(path.join(tmpdir(), 'gourmand-redis-')));
    await redis.launch();
    return redis;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  get pid() {
    return this.child?.pid;
  }

  private async launch() {
    const child = spawn(
      redisServerBinary(),
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    const client = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
    });
    client.on('error', () => {});
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          if (client.status !== 'ready') await client.connect();
          if ((await client.ping()) === 'PONG') return;
        } catch (error) {
          if (attempt > 400 || child.exitCode !== null)
            throw new Error(`redis-server did not start: ${error}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }
    } finally {
      client.disconnect();
    }
  }

  /** A client of the test's own, to look at the data. */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    return client;
  }

  freeze() {
    this.signal('SIGSTOP');
  }

  resume() {
    this.signal('SIGCONT');
  }

  /** Kills the server at once (SIGKILL): what it saved last survives, nothing else. */
  async kill() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    await exited;
    this.child = undefined;
  }

  /** Starts it again on the same port and folder, loading its saved data. */
  async restart() {
    await this.kill();
    await this.launch();
  }

  private signal(signal: NodeJS.Signals) {
    if (this.child?.pid) process.kill(this.child.pid, signal);
  }
}
