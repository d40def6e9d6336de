// Every peer the bench knows, by name, in the order they are listed in the output.
// A registry only: nothing starts here.

import { haraka } from './haraka.js';
import type { Peer, PeerName } from './peer.js';
import { postfix } from './postfix.js';
import { qfrontListener } from './qfront-listener.js';
import { qfrontStdio } from './qfront-stdio.js';
import { qpsmtpd } from './qpsmtpd.js';

export const PEERS: ReadonlyMap<PeerName, Peer> = new Map<PeerName, Peer>([
  ['qfront-listener', qfrontListener],
  ['qfront-stdio', qfrontStdio],
  ['haraka', haraka],
  ['qpsmtpd', qpsmtpd],
  ['postfix', postfix],
]);

export type { Peer, PeerContext, PeerName, PeerOptions, SpfSetup, DnsInfo } from './peer.js';
