import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { Settings } from '../config/settings.ts';
import { statePath } from '../config/state-dir.ts';

/**
 * The secret the API signs tokens with, or a ConfigError (exit 2) when there is none to use:
 * - JWT_SECRET when set;
 * - GOURMAND_DEV=true: none (a random key per process, tokens die with it);
 * - the embedded database (one process by construction): a secret generated once and kept in
 *   `<state>/jwt-secret` (mode 0600), so `npm start` on a fresh clone just works and tokens
 *   survive a restart;
 * - a PostgreSQL server (possibly many API processes): JWT_SECRET is required.
 */
export function resolveJwtSecret(settings: Settings, log: Logger): string | undefined {
  if (settings.jwtSecret) return settings.jwtSecret;
  if (settings.devMode) {
    log.warn(
      'JWT_SECRET is unset (development mode): tokens are signed with a random key and die with this process',
    );
    return undefined;
  }
  if (settings.databaseUrl) {
    throw new ConfigError(
      'JWT_SECRET is not set: the API on a PostgreSQL server needs one shared secret of 32+ characters (e.g. `openssl rand -base64 48`); GOURMAND_DEV=true runs without',
    );
  }
  const file = statePath(settings, 'jwt-secret');
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    log.info({ file }, 'generated the JWT secret of the embedded setup');
  }
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32)
    throw new ConfigError(`The JWT secret in ${file} is shorter than 32 characters: delete the file`);
  return secret;
}
