import { z } from 'zod';
import { badRequest } from './errors.ts';

/**
 * Route schemas are declared once in zod; `json()` derives the JSON Schema that Fastify validates
 * and serializes with and that @fastify/swagger turns into the OpenAPI document. Handler types come
 * from `z.infer` of the same declaration.
 */
export function json(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io });
  // Unknown keys of a query or body are dropped during validation (Ajv removeAdditional), so they
  // reach neither a handler nor a cache key.
  if (io === 'input' && rest.type === 'object') rest.additionalProperties = false;
  return io === 'input' ? (nullableAsType(rest) as Record<string, unknown>) : rest;
}

type Node = Record<string, unknown>;

/**
 * zod writes `x.nullable()` as `anyOf: [x, {type: null}]`. With Ajv's type coercion that lets a
 * value that fails `x` (a rating of 0) be coerced to null and pass. `type: [x's type, 'null']`
 * keeps the value as sent, so it is checked against `x`.
 */
function nullableAsType(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableAsType);
  if (!node || typeof node !== 'object') return node;
  const out: Node = Object.fromEntries(
    Object.entries(node as Node).map(([key, value]) => [key, nullableAsType(value)]),
  );
  const branches = out.anyOf as Node[] | undefined;
  if (branches?.length !== 2) return out;
  const nullAt = branches.findIndex((b) => b.type === 'null' && Object.keys(b).length === 1);
  const other = branches[1 - nullAt];
  if (nullAt === -1 || !other || typeof other.type !== 'string' || 'const' in other) return out;
  const { anyOf: _anyOf, ...restOfNode } = out;
  return {
    ...restOfNode,
    ...other,
    type: [other.type, 'null'],
    ...(Array.isArray(other.enum) && { enum: [...other.enum, null] }),
  };
}

/** The keys of a partial-update body that are really there; a 400 when there are none. */
export function changedKeys<T extends object>(body: T): (keyof T & string)[] {
  const keys = Object.keys(body).filter((key) => body[key as keyof T] !== undefined) as (keyof T & string)[];
  if (keys.length === 0) throw badRequest('Nothing to change: send at least one known field');
  return keys;
}

export const ErrorBody = z
  .object({
    error: z.string().describe('HTTP status text'),
    message: z.string().describe('What went wrong, for a person'),
    statusCode: z.number().int(),
  })
  .describe('Every error response has this shape');

/** Postgres `int` ids: anything outside is a 400, never a database overflow. */
export const Id = z.coerce.number().int().min(1).max(2_147_483_647);
export const IdParams = z.object({ id: Id });
export type IdParams = z.infer<typeof IdParams>;

/** A calendar date the database accepts (years 1900–2199). */
export const IsoDate = z.iso.date().regex(/^(19|20|21)\d\d-/);
export const Limit = (max: number, fallback: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);
/** An opaque keyset cursor, as returned in `next`. */
export const Cursor = z.string().min(1).max(512).describe('The `next` value of the previous page');

export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next: z.string().nullable().describe('Cursor of the next page; null on the last page'),
  });
}
