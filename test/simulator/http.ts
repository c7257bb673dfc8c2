import { request } from 'undici';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One GET through real HTTP; redirects are not followed. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  const response = await request(url, { headers });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** A parsed response body, asserted field by field in the tests. */
// biome-ignore lint/suspicious/noExplicitAny: bodies are checked with expect, not by the type system
export type Json = any;

export const YELP_AUTH = { authorization: 'Bearer sim-yelp-key' };

/** A Yelp GET with the default simulator key; returns status and parsed body. */
export async function yelp(
  base: string,
  path: string,
): Promise<{ status: number; body: Json; headers: HttpResult['headers'] }> {
  const result = await get(`${base}${path}`, YELP_AUTH);
  return { status: result.status, body: JSON.parse(result.text), headers: result.headers };
}
