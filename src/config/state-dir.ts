import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from './settings.ts';

/** Absolute path inside the state folder, creating the parent folders on first use. */
export function statePath(settings: Pick<Settings, 'stateDir'>, ...parts: string[]): string {
  const full = path.resolve(settings.stateDir, ...parts);
  mkdirSync(path.dirname(full), { recursive: true });
  return full;
}
