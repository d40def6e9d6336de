// Builds qmail-smtpd's Received line for a session from its parameters (received.c's call in
// smtp_data): protocol "SMTP" even after EHLO, as netqmail writes it; and the Received-SPF line
// that follows it when SPF was evaluated (spec 4.2).

import { receivedHeader, receivedSpfHeader } from '../headers/index.js';
import { spfHeaderFields } from '../policy/index.js';
import type { SpfOutcome } from '../spf/index.js';
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

export function spfHeaderFor(params: SessionParams, o: SpfOutcome, helo: string): string {
  return receivedSpfHeader(spfHeaderFields(o, { local: params.local, ip: params.remoteIp, helo }));
}
