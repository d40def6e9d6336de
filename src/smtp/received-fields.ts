// Builds qmail-smtpd's Received line for a session from its parameters (received.c's call in
// smtp_data): protocol "SMTP" even after EHLO, as netqmail writes it.

import { receivedHeader } from '../headers/index.js';
import type { SessionParams } from './params.js';

export function headerFor(params: SessionParams, fakeHelo: string | undefined, now: number): string {
  return receivedHeader({
    remoteHost: params.remoteHost,
    fakeHelo,
    remoteInfo: params.remoteInfo,
    remoteIp: params.remoteIp,
    local: params.local,
    protocol: 'SMTP',
    when: now,
  });
}
