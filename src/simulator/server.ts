/**
 * The simulator's HTTP server on loopback: Yelp under /v3, Census under /data, the states page at
 * /abbreviations.htm. Quotas, rate-limit headers and injected faults sit in front of the routes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { addDays, todayUtc } from '../common/dates.ts';
import { censusRoute } from './census.ts';
import { unit } from './hash.ts';
import { type Reply, textReply, YELP_ERRORS } from './reply.ts';
import { statesPage } from './states-page.ts';
import { createWorld, dayNumber, type SimWorld } from './world.ts';
import { YelpApi } from './yelp.ts';

export interface FaultOptions {
  /** Answer 500 INTERNAL_ERROR (Yelp) / 500 text (Census, states page). */
  errorRate?: number;
  /** Answer 429 TOO_MANY_REQUESTS_PER_SECOND (Yelp only). */
  rateLimitRate?: number;
  /** Never answer (the socket is held until the client gives up or the server closes). */
  timeoutRate?: number;
  /** Added delay on every response. */
  latencyMs?: number;
  /** A truncated JSON body with status 200 (Yelp and Census data). */
  malformedRate?: number;
  /** County FIPS codes Yelp answers 400 LOCATION_NOT_FOUND for (search and events), every time. */
  unlocatableCounties?: string[];
  /** Yelp ids of businesses served without `name` and `coordinates`, every time. */
  brokenBusinessIds?: string[];
  /** Fault decisions are deterministic per (seed, request sequence number). */
  seed?: number;
}

export interface SimulatorOptions {
  businesses: number;
  seed: number;
  /** The simulated day served, 'YYYY-MM-DD' (default today UTC). */
  date?: string;
  searchDepthCap?: 1000 | 240;
  /** full: the 50 states, then DC, Puerto Rico and the territories; states-only: the 50 states. */
  statesPage?: 'full' | 'states-only';
  /** current: reviews' users carry an id; legacy: only name and image_url (older responses). */
  reviewFormat?: 'current' | 'legacy';
  /** USPS codes: Census serves only the counties of these states (small, quick test pulls). */
  censusStates?: string[];
  yelpApiKey?: string;
  censusApiKey?: string;
  /** Yelp calls per simulated day before 429 ACCESS_LIMIT_REACHED. */
  dailyQuota?: number;
  /** Yelp calls per wall-clock second before 429 TOO_MANY_REQUESTS_PER_SECOND; 0 = unlimited. */
  perSecondLimit?: number;
  faults?: FaultOptions;
}

export interface SimulatorServer {
  url: string;
  world: SimWorld;
  setDate(date: string): void;
  /** The simulated day currently served. */
  readonly date: string;
  stats(): { requests: number; byPath: Record<string, number> };
  close(): Promise<void>;
}

export const DEFAULT_YELP_KEY = 'sim-yelp-key';
export const DEFAULT_CENSUS_KEY = 'sim-census-key';

export async function startSimulator(
  options: SimulatorOptions & { port?: number },
): Promise<SimulatorServer> {
  const world = createWorld({ businesses: options.businesses, seed: options.seed });
  const faults = options.faults ?? {};
  const yelp = new YelpApi(world, {
    searchDepthCap: options.searchDepthCap ?? 1000,
    brokenBusinessIds: new Set(faults.brokenBusinessIds ?? []),
    unlocatableCounties: new Set(faults.unlocatableCounties ?? []),
    reviewFormat: options.reviewFormat ?? 'current',
  });
  const yelpKey = options.yelpApiKey ?? DEFAULT_YELP_KEY;
  const censusKey = options.censusApiKey ?? DEFAULT_CENSUS_KEY;
  const dailyQuota = options.dailyQuota ?? 1_000_000;
  const perSecondLimit = options.perSecondLimit ?? 0;
  let date = options.date ?? todayUtc();
  dayNumber(date);

  let requests = 0;
  const byPath: Record<string, number> = {};
  const usedByDate = new Map<string, number>();
  let currentSecond = 0;
  let inCurrentSecond = 0;
  const held = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let baseUrl = '';

  /** Fault draw k of request `seq`: deterministic per (seed, seq). */
  const roll = (seq: number, k: number) => unit(faults.seed ?? 0, seq, k);

  function yelpReply(path: string, query: URLSearchParams, req: IncomingMessage, seq: number): Reply {
    const auth = req.headers.authorization;
    const token = /^Bearer (.+)$/.exec(auth ?? '')?.[1];
    if (!auth || !token) return YELP_ERRORS.tokenMissing();
    if (token !== yelpKey) return YELP_ERRORS.tokenInvalid();
    const used = usedByDate.get(date) ?? 0;
    if (used >= dailyQuota) return YELP_ERRORS.dailyLimit();
    usedByDate.set(date, used + 1);
    const second = Math.floor(Date.now() / 1000);
    if (second !== currentSecond) {
      currentSecond = second;
      inCurrentSecond = 0;
    }
    if (perSecondLimit > 0 && ++inCurrentSecond > perSecondLimit) return YELP_ERRORS.perSecond();
    if (roll(seq, 2) < (faults.rateLimitRate ?? 0)) return YELP_ERRORS.perSecond();
    if (roll(seq, 3) < (faults.errorRate ?? 0)) return YELP_ERRORS.internal();
    return yelp.route(path, query, date);
  }

  function rateLimitHeaders(): Record<string, string> {
    return {
      'ratelimit-dailylimit': String(dailyQuota),
      'ratelimit-remaining': String(Math.max(0, dailyQuota - (usedByDate.get(date) ?? 0))),
      'ratelimit-resettime': `${addDays(date, 1)}T00:00:00+00:00`,
    };
  }

  function respond(req: IncomingMessage, seq: number): Reply {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname;
    if (path.startsWith('/v3/')) {
      const reply = yelpReply(path, url.searchParams, req, seq);
      return { ...reply, headers: { ...reply.headers, ...rateLimitHeaders() } };
    }
    if (roll(seq, 3) < (faults.errorRate ?? 0)) {
      return textReply(
        500,
        "There was an error while running your query.  We've logged the error and we'll correct it ASAP.  Sorry for the inconvenience.",
      );
    }
    if (path === '/abbreviations.htm') {
      return textReply(200, statesPage(options.statesPage ?? 'full'), 'text/html; charset=UTF-8');
    }
    if (path.startsWith('/data/')) {
      return censusRoute(path, url.searchParams, {
        apiKey: censusKey,
        baseUrl,
        date,
        states: options.censusStates ? new Set(options.censusStates) : undefined,
      });
    }
    return textReply(404, 'Not Found');
  }

  function send(res: ServerResponse, reply: Reply, seq: number) {
    let body = reply.body;
    if (reply.json && reply.status === 200 && roll(seq, 4) < (faults.malformedRate ?? 0)) {
      body = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
    }
    res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  const server = createServer((req, res) => {
    const seq = requests++;
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    const name = path.startsWith('/v3/') ? YelpApi.routeName(path) : path;
    byPath[name] = (byPath[name] ?? 0) + 1;
    if (roll(seq, 1) < (faults.timeoutRate ?? 0)) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    let reply: Reply;
    try {
      reply = respond(req, seq);
    } catch (error) {
      reply = textReply(500, `simulator error: ${(error as Error).message}`);
    }
    const latency = faults.latencyMs ?? 0;
    if (latency <= 0) {
      send(res, reply, seq);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      send(res, reply, seq);
    }, latency);
    timers.add(timer);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    world,
    get date() {
      return date;
    },
    setDate(next: string) {
      dayNumber(next);
      date = next;
    },
    stats: () => ({ requests, byPath: { ...byPath } }),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const res of held) res.destroy();
        held.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
