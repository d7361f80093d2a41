"""`python -m bench <scenario> [args]`: run one benchmark scenario."""

import runpy
import sys

SCENARIOS = {
    "gateway_overhead": "bench.gateway_overhead",
    "hot_reads": "bench.hot_reads",
    "upstream_clients": "bench.upstream_clients",
    "gateway_cpu": "bench.gateway_cpu",
    "locker_unlock": "bench.locker_unlock",
    "wayfinding": "bench.wayfinding",
    "gbfs": "bench.gbfs",
    "signage_fanout": "bench.signage_fanout",
    "departures": "bench.departures",
    "network": "bench.network",
    "soak": "bench.soak",
}

if len(sys.argv) < 2 or sys.argv[1] not in SCENARIOS:
    sys.exit(f"usage: python -m bench {{{','.join(SCENARIOS)}}} [args]")
scenario = sys.argv.pop(1)
runpy.run_module(SCENARIOS[scenario], run_name="__main__")
