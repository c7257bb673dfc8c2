import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChildLogger } from '../../src/api/request-logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const parent = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { parent, lines };
}

describe('request.log (lazy child logger)', () => {
  it("writes each line with the request's bindings, at the parent's level", () => {
    const { parent, lines } = capture();
    const log = lazyChildLogger(parent, { reqId: 'req-7' }, {});
    expect(log.level).toBe('info');
    log.debug('not written');
    log.warn({ reason: 'expired' }, 'refresh refused');
    log.error(new Error('boom'));
    log.child({ step: 'mail' }).info('sent');
    expect(lines.map(({ level, reqId, msg, reason, step }) => ({ level, reqId, msg, reason, step }))).toEqual([
      { level: 40, reqId: 'req-7', msg: 'refresh refused', reason: 'expired', step: undefined },
      { level: 50, reqId: 'req-7', msg: 'boom', reason: undefined, step: undefined },
      { level: 30, reqId: 'req-7', msg: 'sent', reason: undefined, step: 'mail' },
    ]);
    expect((lines[1]!.err as { message: string }).message).toBe('boom');
  });

  it('takes a level of its own without changing the parent', () => {
    const { parent, lines } = capture();
    const log = lazyChildLogger(parent, { reqId: 'req-8' }, {});
    log.level = 'debug';
    log.debug('now written');
    parent.debug('still not written');
    expect(lines.map((line) => [line.reqId, line.msg])).toEqual([['req-8', 'now written']]);
    expect(parent.level).toBe('info');
  });
});
