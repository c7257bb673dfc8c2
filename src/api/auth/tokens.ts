import { randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { AccountRole } from '../../oltp/schema.ts';

const ISSUER = 'gourmand';
const ACCESS_AUDIENCE = 'gourmand-api';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

export interface AccessClaims {
  accountId: number;
  role: AccountRole;
}

/** Signs and checks the API's JWTs (HS256). */
export class TokenService {
  private readonly key: Uint8Array;

  /** `secret` unset: a random key, so tokens die with the process (development only). */
  constructor(secret: string | undefined) {
    this.key = secret ? new TextEncoder().encode(secret) : randomBytes(32);
  }

  signAccess(claims: AccessClaims): Promise<string> {
    return this.sign({ role: claims.role }, claims.accountId, ACCESS_AUDIENCE, ACCESS_TOKEN_TTL_SECONDS);
  }

  /** The account id of a valid access token, or null (expired, tampered, wrong audience, garbage). */
  async verifyAccess(token: string): Promise<number | null> {
    return this.verify(token, ACCESS_AUDIENCE);
  }

  private sign(payload: Record<string, unknown>, subject: number, audience: string, ttlSeconds: number) {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(subject))
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  private async verify(token: string, audience: string): Promise<number | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience,
        algorithms: ['HS256'],
      });
      const id = Number(payload.sub);
      return Number.isSafeInteger(id) && id > 0 ? id : null;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return null;
      throw error;
    }
  }
}
