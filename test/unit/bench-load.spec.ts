import { parseWrk } from '../../bench/load';

// A report as wrk 4.1 prints it with --latency and bench/wrk/requests.lua (taken from a run
// against a loopback server answering 409 to one path in three).
const REPORT = `Running 1s test @ http://127.0.0.1:18999
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   552.98us    1.24ms  18.18ms   92.92%
    Req/Sec     7.91k     4.56k   15.37k    70.00%
  Latency Distribution
     50%  192.00us
     75%  393.00us
     90%    1.22ms
     99%    6.20ms
  15727 requests in 1.00s, 1.87MB read
  Non-2xx or 3xx responses: 5243
Requests/sec:  15684.42
Transfer/sec:      1.87MB
LAST_INDEX 2 OF 3
`;

describe('reading a wrk report (bench:api --compare)', () => {
  it('reads throughput, p99 in ms, failed answers and how far down the list it went', () => {
    expect(parseWrk(REPORT)).toEqual({
      rps: 15684.42,
      p99Ms: 6.2,
      failures: 5243,
      used: 3,
      ranOut: true,
    });
  });

  it('converts a p99 in microseconds or seconds and counts socket errors as failures', () => {
    const fast = REPORT.replace('99%    6.20ms', '99%  850.00us')
      .replace('  Non-2xx or 3xx responses: 5243\n', '')
      .replace('LAST_INDEX 2 OF 3', 'LAST_INDEX 9 OF 100');
    expect(parseWrk(fast)).toMatchObject({ p99Ms: 0.85, failures: 0, used: 10, ranOut: false });
    const slow = REPORT.replace('99%    6.20ms', '99%    2.10s').replace(
      '  Non-2xx',
      '  Socket errors: connect 0, read 2, write 0, timeout 7\n  Non-2xx',
    );
    expect(parseWrk(slow)).toMatchObject({ p99Ms: 2100, failures: 5243 + 9 });
  });

  it('refuses a report it cannot read rather than return zeros', () => {
    expect(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(
      /unreadable wrk report/,
    );
  });
});
