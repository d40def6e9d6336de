// bench_client: a Haraka plugin for scripts/bench only. It makes Haraka see a connection as the
// other peers do in the same cell: no reverse DNS lookup of the client (as tcpserver -H,
// qpsmtpd-forkserver -H, Postfix smtpd_peername_lookup=no), and in the SPF-on cells the client
// address BENCH_CLIENT_IP, a public one, so the spf plugin does not skip loopback as private.
// Never rejects, never touches a message.

'use strict'

const constants = require('haraka-constants')

exports.hook_connect_init = function (next, connection) {
    const ip = process.env.BENCH_CLIENT_IP
    if (ip) {
        connection.set('remote.ip', ip)
        connection.remote.is_private = false
        connection.remote.is_local = false
    }
    next()
}

exports.hook_lookup_rdns = function (next) {
    next(constants.ok)
}
