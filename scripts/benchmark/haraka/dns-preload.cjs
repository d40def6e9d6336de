// Preloaded into Haraka (NODE_OPTIONS=--require) by scripts/bench: points Node's resolver at the
// bench's DNS server (BENCH_DNS, "127.0.0.1:PORT") without touching /etc/resolv.conf, so no
// query of a benchmarked Haraka ever leaves loopback. Does nothing else.
'use strict'

const dns = require('node:dns')

const server = process.env.BENCH_DNS
if (server) {
    dns.setServers([server])
    dns.promises.setServers([server])
}
