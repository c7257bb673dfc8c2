import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import type { SourceDatabase } from '../oltp/database.ts';
import type { Schema } from '../oltp/schema.ts';
import { metricsRoutes } from '../quality/metrics-route.ts';
import { openWarehouseReader, type WarehouseReader } from '../warehouse/reader.ts';
import { webRoutes } from '../web/plugin.ts';
import { type Account, type AuthRule, authPlugin, bearerToken } from './auth/plugin.ts';
import { TokenService } from './auth/tokens.ts';
import { jsonShapeProblem, parseForm } from './body-limits.ts';
import type { Cache } from './cache/cache.ts';
import { type CacheRule, cachePlugin } from './cache/plugin.ts';
import { createRedisClient } from './cache/redis.ts';
import { badRequest, errorBody, installErrorHandlers } from './errors.ts';
import { type LimitCounter, limitCounter, limitStore, MINUTE } from './limits.ts';
import { createMailer, type Mailer } from './mail.ts';
import { adminRoutes } from './routes/admin.ts';
import { analysesRoutes } from './routes/analyses.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { authRoutes } from './routes/auth.ts';
import { businessRoutes } from './routes/businesses.ts';
import { healthRoutes } from './routes/health.ts';
import { meRoutes } from './routes/me.ts';
import { noteRoutes } from './routes/notes.ts';
import { pipelineRoutes } from './routes/pipeline.ts';
import { referenceRoutes } from './routes/reference.ts';
import { ErrorBody, json } from './schema.ts';
import { helmetHeaders } from './security-headers.ts';

declare module 'fastify' {
  interface FastifyInstance {
    settings: Settings;
    db: Kysely<Schema>;
    database: SourceDatabase;
    cache: Cache;
    tokens: TokenService;
    mailer: Mailer | undefined;
    limits: LimitCounter;
    warehouse: WarehouseReader;
  }
  interface FastifyRequest {
    account: Account | null;
    cacheKey: string | null;
  }
  interface FastifyContextConfig {
    auth?: AuthRule;
    cache?: CacheRule;
  }
}

export interface AppOptions {
  settings: Settings;
  database: SourceDatabase;
  cache: Cache;
  log: Logger;
  /** The marts the analytics routes read; by default `WAREHOUSE_URL`, opened read-only by the app. */
  warehouse?: WarehouseReader;
  /** Namespace of this app's Redis keys (rate limits); tests use one per file. */
  redisKeyPrefix?: string;
}

/** The API, ready for `app.inject()` or `app.listen()`. The caller owns database and cache. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { settings, database, cache } = options;
  const securityHeaders = helmetHeaders();
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    bodyLimit: settings.apiBodyLimitBytes,
    // One log line per request is too much at volume; errors are logged by our error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Router errors (over-long parameter, bad URL encoding) get the same body as ours.
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      const message =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long' : 'Malformed request URL';
      (reply as FastifyReply).code(status).headers(securityHeaders).send(errorBody(status, message));
    },
    forceCloseConnections: 'idle',
    ajv: {
      customOptions: { coerceTypes: 'array', removeAdditional: true, useDefaults: true, allErrors: false },
    },
  });
  app.decorate('settings', settings);
  app.decorate('database', database);
  app.decorate('db', database.db);
  app.decorate('cache', cache);
  app.decorate('tokens', new TokenService(settings.jwtSecret));
  const mailer = createMailer(settings, options.log);
  app.decorate('mailer', mailer);
  if (mailer) app.addHook('onClose', async () => mailer.close());
  const warehouse = options.warehouse ?? openWarehouseReader(settings);
  app.decorate('warehouse', warehouse);
  if (!options.warehouse) app.addHook('onClose', () => warehouse.close());

  installErrorHandlers(app);
  // Helmet's default headers on every response, computed once (see security-headers.ts).
  // An unknown route answers 404 here, before its body is read or parsed.
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders);
    if (request.is404) {
      reply
        .code(404)
        .send(errorBody(404, `No route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`));
      return;
    }
    done();
  });
  // Bodies are checked for depth and key count on their text, before parsing and any schema.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const problem = jsonShapeProblem(body as string);
    if (problem) done(badRequest(problem), undefined);
    else parseJson(request, body as string, done);
  });
  // OAuth2's token endpoint takes an HTML form body.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const form = parseForm(body as string);
      if (typeof form === 'string') done(badRequest(form), undefined);
      else done(null, form);
    },
  );
  // After validation, because coercion turns "Infinity" or 1e400 into numbers that pass Ajv's
  // integer and range checks; Postgres text cannot hold NUL. Either is a 400 here, not a database error.
  app.addHook('preHandler', async (request) => {
    for (const part of [request.params, request.query, request.body]) {
      const problem = unsafeValue(part);
      if (problem) throw badRequest(problem);
    }
  });
  // Every route documents the error shape; handlers never repeat it.
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide) return;
    route.schema = {
      ...route.schema,
      response: {
        ...(route.schema?.response as object),
        '4xx': json(ErrorBody, 'output'),
        '5xx': json(ErrorBody, 'output'),
      },
    };
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gourmand API',
        version: '1.0.0',
        description:
          'Businesses, their daily ratings, states and categories; accounts with favourites and notes.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          // So /docs can log in: its Authorize dialog asks for username and password.
          oauth2Password: {
            type: 'oauth2',
            flows: { password: { tokenUrl: '/auth/login', refreshUrl: '/auth/refresh', scopes: {} } },
          },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Plain HTTP on any address (a LAN IP): upgrading would send every asset to an HTTPS port that
    // is not there. Swagger UI sets inline styles from script, which style hashes cannot allow.
    transformStaticCSP: (header) =>
      header
        .replace(/\s*upgrade-insecure-requests;?/, '')
        .replace(/style-src [^;]*;/, "style-src 'self' 'unsafe-inline';"),
  });
  if (settings.apiCorsOrigins) {
    await app.register(cors, {
      origin: settings.apiCorsOrigins.split(',').map((o) => o.trim()),
      // Every method the API has (the plugin's default is GET, HEAD and POST only).
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    });
  }

  const limiterRedis = settings.redisUrl ? createRedisClient(settings.redisUrl) : undefined;
  if (limiterRedis) {
    limiterRedis.on('error', () => {});
    await limiterRedis.connect().catch(() => {});
    app.addHook('onClose', async () => limiterRedis.disconnect());
  }
  const limits = limitCounter(
    limiterRedis,
    `${options.redisKeyPrefix ?? 'gourmand:'}ratelimit:`,
    options.log,
  );
  app.decorate('limits', limits);
  await app.register(rateLimit, rateLimitOptions(app, settings, limits));

  await app.register(authPlugin);
  await app.register(cachePlugin);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(businessRoutes, { prefix: '/businesses' });
  await app.register(referenceRoutes);
  await app.register(authRoutes, { prefix: '/auth' });
  await app.register(meRoutes, { prefix: '/me' });
  await app.register(noteRoutes);
  await app.register(adminRoutes);
  await app.register(analysesRoutes, { prefix: '/analytics/analyses' });
  await app.register(analyticsRoutes, { prefix: '/analytics' });
  await app.register(pipelineRoutes, { prefix: '/analytics/pipeline' });
  await app.register(webRoutes);
  return app;
}

/**
 * Per client per minute: the account when a valid token is sent (so clients behind one NAT do not
 * share a budget), else the IP. Sign-in routes add stricter limits per IP and per account
 * (limits.ts). Counted in Redis when configured, in-process when not or while Redis fails.
 */
function rateLimitOptions(app: FastifyInstance, settings: Settings, limits: LimitCounter) {
  return {
    global: settings.apiRateLimitPerMinute > 0,
    max: settings.apiRateLimitPerMinute,
    timeWindow: MINUTE,
    store: limitStore(limits),
    keyGenerator: async (request: FastifyRequest) => {
      const token = bearerToken(request);
      const accountId = token ? await app.tokens.verifyAccess(token) : null;
      return accountId === null ? `ip:${request.ip}` : `account:${accountId}`;
    },
    errorResponseBuilder: (_request: unknown, context: { after: string }) => ({
      ...errorBody(429, `Too many requests; retry in ${context.after}`),
    }),
  };
}

function unsafeValue(value: unknown): string | undefined {
  if (typeof value === 'string')
    return value.includes('\u0000') ? 'Text must not contain NUL characters' : undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'Numbers must be finite';
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) {
      const problem = unsafeValue(item);
      if (problem) return problem;
    }
  }
  return undefined;
}
