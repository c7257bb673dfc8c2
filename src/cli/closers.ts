/**
 * What a command leaves open past its action (a terminal view, a log shipper), closed by main.ts
 * after the command. Its own module, so main.ts closes them without loading the context's
 * dependencies for a command that made none.
 */
const closers: (() => Promise<void> | void)[] = [];

export function onCliExit(close: () => Promise<void> | void): void {
  closers.push(close);
}

export async function closeCliContexts(): Promise<void> {
  for (const close of closers.splice(0)) await close();
}
