// The access-log line: one line per record whatever the request carried.
import { describe, expect, it } from 'vitest';
import { accessLogTo, formatAccessLog, type AccessLogRecord } from '../../host/http3/access-log.js';

const rec: AccessLogRecord = {
  time: new Date(0), method: 'GET', path: '/a?b=c', status: 200, bytes: 1234, durationMs: 3.14159,
  protocol: 'h3', remoteAddress: '::1', remotePort: 50000, aborted: false,
};

describe('formatAccessLog', () => {
  it('writes remote, protocol, method, path, status, bytes and duration; brackets IPv6', () => {
    expect(formatAccessLog(rec)).toBe('[::1]:50000 h3 GET /a?b=c 200 1234 3.1ms');
    expect(formatAccessLog({ ...rec, remoteAddress: '127.0.0.1', aborted: true, status: 0 })).toBe('127.0.0.1:50000 h3 GET /a?b=c 0 1234 3.1ms aborted');
  });

  it('escapes control characters, spaces, quotes and backslashes, so a request cannot forge a line', () => {
    const line = formatAccessLog({ ...rec, path: '/x\n127.0.0.1:1 h1 GET /forged 200 0 0.0ms', method: 'G\rET' });
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).toBe('[::1]:50000 h3 G\\x0dET /x\\x0a127.0.0.1:1\\x20h1\\x20GET\\x20/forged\\x20200\\x200\\x200.0ms 200 1234 3.1ms');
  });

  it('accessLogTo writes one line per record', () => {
    const lines: string[] = [];
    const log = accessLogTo({ write: (l: string) => lines.push(l) });
    log(rec); log(rec);
    expect(lines).toEqual([`${formatAccessLog(rec)}\n`, `${formatAccessLog(rec)}\n`]);
  });
});
