import { describe, expect, it } from 'vitest';
import { redactSecrets, registerSecret } from '../../src/common/redact.ts';

describe('secret redaction', () => {
  it('masks URL passwords, bearer tokens, secret query parameters and registered secrets', () => {
    registerSecret('configured-jwt-secret-value');
    const line = JSON.stringify({
      msg: 'Cannot connect to postgres://app:hunter2@db:5432/x and rediss://:redispw@cache:6380/0',
      headers: { authorization: 'Bearer eyJhbGciOi.abc.def' },
      url: 'https://api.example.com/v3?key=AIzaSyExample&q=pizza',
      note: 'signed with configured-jwt-secret-value',
    });
    const out = redactSecrets(line);
    for (const secret of [
      'hunter2',
      'redispw',
      'eyJhbGciOi',
      'AIzaSyExample',
      'configured-jwt-secret-value',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('postgres://app:***@db:5432/x');
    expect(out).toContain('Bearer ***');
    expect(out).toContain('key=***&q=pizza');
    // A URL without a password is left alone.
    expect(redactSecrets('postgres://postgres@127.0.0.1:5432/db')).toBe(
      'postgres://postgres@127.0.0.1:5432/db',
    );
  });
});
