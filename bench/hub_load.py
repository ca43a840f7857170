"""8 clients asking hub warm paths on a loaded Neo4j, for each number of searches at once.

Starts `tiegraph serve --store neo4j` against the Neo4j at `TIEGRAPH_NEO4J_URI` (which already
holds the network in `--file`), once per value of `--searches` (`TIEGRAPH_NEO4J_SEARCHES`),
and for `--seconds` lets 8 clients ask warmPaths maxHops 4 from and to hubs while a probe
polls `/healthz` every 20 ms, as `bench.scale` does for its hub-load row. Prints requests per
second, failed requests (with their codes), the probe's p50/p99/max and the service's RSS,
each run against the first one (the baseline, measured in the same run).

    set -a; . .neo4j/L.env; set +a
    .venv/bin/python -m bench.hub_load --file /tmp/tiegraph-L/tier-L-seed1.jsonl --searches 8,2
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import scale
from bench.network import WARM_UP, Pair, pick_pairs, read_meta, read_network


@dataclass
class HubLoad:
    searches: int
    clients: scale.Throughput = field(default_factory=scale.Throughput)
    health: list[float] = field(default_factory=list)
    rss: float | None = None


def measure(
    searches: int, warmup: list[Pair], work: list[tuple[str, Pair]], args: argparse.Namespace
) -> HubLoad:
    env = {**scale.callers_neo4j(), "TIEGRAPH_NEO4J_SEARCHES": str(searches)}
    service = scale.Service("neo4j", env, None, args.work_dir / f"serve-{searches}.log")
    run = HubLoad(searches)
    try:
        service.wait_ready(args.ready_timeout)
        with service.client() as client:  # warm the plans and caches, unmeasured
            for pair in warmup:
                scale.ask(client, "warmPaths 4", pair)
        probe_run = scale.StoreRun("neo4j")
        probe = threading.Thread(target=scale.probe_health, args=(service, probe_run, args.seconds))
        probe.start()
        run.clients = scale.run_clients(service, lambda n: work[n % len(work)], args.seconds)
        probe.join()
        run.health = probe_run.health
        run.rss = scale.rss_mib(service.process.pid)
    finally:
        service.stop()
    return run


def render(runs: list[HubLoad], args: argparse.Namespace) -> str:
    base = runs[0].clients
    lines = [
        f"8 clients, warmPaths maxHops 4 from and to hubs, {args.seconds:g} s per row; "
        f"`/healthz` polled every 20 ms; first row is the baseline.",
        "",
        "| searches at once | requests/s | vs baseline | failed | /healthz p50 ms "
        "| p99 ms | max ms | service RSS MiB |",
        "|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        clients = run.clients
        health = run.health or [float("nan")]
        lines.append(
            f"| {run.searches} | {clients.per_second:.2f} | "
            f"{clients.per_second / base.per_second if base.per_second else 0:.2f}x | "
            f"{clients.describe_failures()} of {clients.requests} | "
            f"{scale.ms(scale.percentile(health, 0.5))} | "
            f"{scale.ms(scale.percentile(health, 0.99))} | {scale.ms(max(health))} | "
            f"{run.rss or 0:.0f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, required=True, help="the network Neo4j holds")
    parser.add_argument("--searches", default="8,2", help="comma-separated; first: baseline")
    parser.add_argument("--pairs", type=int, default=15, help="pairs per hub stratum")
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/tiegraph-hub-load"))
    parser.add_argument("--ready-timeout", type=float, default=180.0)
    args = parser.parse_args(argv)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    network = read_network(args.file)
    pairs = pick_pairs(network, read_meta(args.file), args.pairs)
    del network
    work = [("warmPaths 4", pair) for pair in pairs["from hub"] + pairs["to hub"]]
    runs = []
    for searches in (int(value) for value in args.searches.split(",")):
        scale.log(f"searches at once: {searches}")
        runs.append(measure(searches, pairs[WARM_UP], work, args))
    print(render(runs, args))


if __name__ == "__main__":
    main()
