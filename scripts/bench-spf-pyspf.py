# The pyspf side of scripts/bench-spf: times spf check_host() calls against the bench's DNS
# server, cold (pyspf as used: a fresh query object, so a fresh DNS dict, per check; pyspf keeps
# no cache across checks, as its dict ignores TTLs) and warm (one dict shared by every query
# object, filled first: more than pyspf does itself). Reads a JSON job on stdin and prints one
# JSON report on stdout. Never queries anything but the server it is given.
import json
import sys
import time

import spf

# Checks run untimed before each cell, so imports and first-call costs stay out of the figures.
WARMUP_CHECKS = 100


def point_at(port):
    """Makes pyspf's DNS backend ask 127.0.0.1:port; returns the backend's name."""
    if spf.DNSLookup.__name__ == 'DNSLookup_pydns':
        import DNS
        DNS.Base.defaults['server'] = ['127.0.0.1']
        DNS.Base.defaults['port'] = port
        return 'pydns ' + DNS.__version__
    sys.exit('bench-spf-pyspf: pyspf uses %s; only the pydns backend (python3-dns) is set up here'
             % spf.DNSLookup.__name__)


queries = 0
original_lookup = spf.DNSLookup


def counted_lookup(*args, **kwargs):
    global queries
    queries += 1
    return original_lookup(*args, **kwargs)



def check(case, shared_cache):
    ip, sender, helo = case[0], case[1], case[2]
    q = spf.query(i=ip, s=sender, h=helo, timeout=spf.MAX_PER_LOOKUP_TIME, querytime=20)
    if shared_cache is not None:
        q.cache = shared_cache
    return q.check()[0]


def cell(cache_mode, cases, seconds, clock_every):
    global queries
    shared = {} if cache_mode == 'warm' else None
    if shared is not None:
        for case in cases:
            check(case, shared)
    for k in range(WARMUP_CHECKS):
        check(cases[k % len(cases)], shared)
    queries = 0
    done = 0
    cpu_started = time.process_time()
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        case = cases[done % len(cases)]
        result = check(case, shared)
        if result != case[3]:
            sys.exit('bench-spf-pyspf: %s check of %r gave %s, expected %s' % (cache_mode, case[:3], result, case[3]))
        done += 1
        if done % clock_every == 0 and time.perf_counter() >= deadline:
            break
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {'cache': cache_mode, 'checks': done, 'seconds': elapsed, 'queries': queries, 'cpuSeconds': cpu}


def main():
    job = json.load(sys.stdin)
    backend = point_at(job['port'])
    spf.DNSLookup = counted_lookup
    sample = [check(case, None) for case in job['sample']]
    cells = [cell(mode, job['cases'], job['seconds'], job['clockEvery']) for mode in job['modes']]
    json.dump({'version': spf.__version__, 'backend': backend, 'sample': sample, 'cells': cells}, sys.stdout)


main()
