#!/usr/bin/env node
// Open-loop HTTP load generator for the serve-load bench (test/bench/cases/serve.ts, issue 22), run as its own
// process so the server's event loop and the client's never share a thread.
//
// Requests are scheduled at a fixed rate (request n is due at t0 + n / rate) whatever the server does, and each
// latency is measured from the request's due time, not from when a connection was free to send it: a closed-loop
// client (send, wait, send) slows down when the server stalls and so never records the requests a stall delayed
// ("coordinated omission", Tene). A request due while all connections are busy waits in a queue, and that wait counts.
//
// Plain sockets and a minimal HTTP/1.1 response parser (Content-Length bodies only, which is what recwise serve
// sends) keep the generator's own CPU cost low: on a 2-core machine it competes with the server.
//
// Usage: node serve-load-client.mjs '{"port":8080,"rate":2000,"seconds":10,"connections":32,"paths":["/recommend?user=1&k=10"]}'
// Prints one JSON line: { sent, done, errors, dropped, seconds, requestsPerSecond, p50Ms, p90Ms, p99Ms, p999Ms, maxMs, lateSendMs }.
import net from 'node:net';

const cfg = JSON.parse(process.argv[2]);
const { port, rate, seconds, connections, paths } = cfg;
const host = cfg.host ?? '127.0.0.1';
const total = Math.round(rate * seconds);
const requests = paths.map((p) => Buffer.from(`GET ${p} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`, 'latin1'));
const latencies = new Float64Array(total);
let done = 0;
let errors = 0;
let sent = 0;
let maxLateSend = 0;
const queue = []; // due times (ms) of requests waiting for a free connection

/** One keep-alive connection: at most one request in flight (no pipelining). */
class Conn {
  constructor() {
    this.busy = false;
    this.due = 0;
    this.buf = Buffer.alloc(0);
    this.socket = net.connect({ port, host, noDelay: true });
    this.socket.on('data', (d) => this.onData(d));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => this.onClose());
    this.ready = new Promise((r) => this.socket.once('connect', r));
  }

  send(due, n) {
    this.busy = true;
    this.due = due;
    this.socket.write(requests[n % requests.length]);
    sent++;
  }

  onData(d) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buf.toString('latin1', 0, end);
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const length = m ? Number(m[1]) : 0;
      if (this.buf.length < end + 4 + length) return;
      const status = Number(head.slice(9, 12));
      this.buf = this.buf.subarray(end + 4 + length);
      this.finish(status === 200);
    }
  }

  finish(ok) {
    if (!this.busy) return;
    if (!ok) errors++;
    if (done < total) latencies[done] = performance.now() - this.due;
    done++;
    this.busy = false;
    if (queue.length) this.send(queue.shift(), sent);
  }

  onClose() {
    if (this.busy) this.finish(false);
    this.closed = true;
  }
}

const conns = Array.from({ length: connections }, () => new Conn());
await Promise.all(conns.map((c) => c.ready));

const t0 = performance.now();
let scheduled = 0;
await new Promise((resolve) => {
  const tick = () => {
    const now = performance.now();
    // every request due by now: to a free connection, else to the queue (its wait is part of its latency)
    while (scheduled < total && t0 + (scheduled * 1000) / rate <= now) {
      const due = t0 + (scheduled * 1000) / rate;
      maxLateSend = Math.max(maxLateSend, now - due);
      const free = conns.find((c) => !c.busy && !c.closed);
      if (free) free.send(due, scheduled);
      else queue.push(due);
      scheduled++;
    }
    if (scheduled < total) setTimeout(tick, Math.max(0, t0 + (scheduled * 1000) / rate - performance.now()));
    else resolve();
  };
  tick();
});
// drain: answers still in flight, bounded
const drainUntil = performance.now() + 30_000;
while (done < total && performance.now() < drainUntil && conns.some((c) => !c.closed)) await new Promise((r) => setTimeout(r, 5));
const elapsed = (performance.now() - t0) / 1000;
for (const c of conns) c.socket.destroy();

const lat = latencies.subarray(0, Math.min(done, total)).slice().sort();
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
process.stdout.write(JSON.stringify({
  sent, done, errors, dropped: total - done, seconds: elapsed, requestsPerSecond: done / elapsed,
  p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99), p999Ms: q(0.999), maxMs: lat.length ? lat[lat.length - 1] : NaN, lateSendMs: maxLateSend,
}) + '\n');
