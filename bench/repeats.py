#!/usr/bin/env python3
"""Pairs repeated myelin-load runs (SCENARIO-MODE-K.json, from REPEAT=N bench/loadgen.sh) and
lists each pair's SSE/long-poll ratios with their median.

Usage: bench/repeats.py RESULT.json... [--out REPEATS.md]

With a third mode, none (MODES="none sse longpoll"), each pair also gets what storing its
messages costs without any sync connection, and so what delivering costs in each mode: a run's
CPU less the none run's CPU per message times the messages it sent, per delivery.

A pair is run K of each mode of one scenario, in the order they ran against one server. Ratios
rather than absolute figures: both runs of a pair see the same machine and the same server age.
Python standard library only.
"""
import argparse
import json
import os
import re
import statistics
import sys

NAME = re.compile(r"^(?P<scenario>[a-z]+)-(?P<mode>sse|longpoll|none)-(?P<k>\d+)\.json$")


def cpu(r):
    return (r.get("server") or {}).get("cpu_s_per_1k_deliveries")


def wire(r):
    return (r.get("wire") or {}).get("bytes_per_delivery")


def storing(r):
    """Server CPU s per 1,000 messages with no sync connection open (a none run)."""
    return (r.get("server") or {}).get("cpu_s_per_1k_messages")


def delivering(r, per_message):
    """CPU s per 1,000 deliveries once storing the run's messages is taken out."""
    cpu_s = (r.get("server") or {}).get("cpu_s")
    delivered = r["deliveries"]["delivered"]
    if cpu_s is None or per_message is None or not delivered:
        return None
    return (cpu_s - per_message / 1000 * r["messages"]["sent"]) * 1000 / delivered


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, spec):
    return "–" if v is None else format(v, spec)


def times(v):
    return "–" if v is None else f"{v:.2f}×"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results", nargs="+")
    ap.add_argument("--out")
    args = ap.parse_args()

    runs = {}  # (scenario, k) -> {mode: result}
    for path in args.results:
        m = NAME.match(os.path.basename(path))
        if not m:
            continue
        with open(path) as f:
            runs.setdefault((m["scenario"], int(m["k"])), {})[m["mode"]] = json.load(f)

    lines = []
    for scenario in sorted({s for s, _ in runs}):
        pairs = [(k, runs[(s, k)]) for s, k in sorted(runs) if s == scenario]
        # Both modes, and deliveries to divide by (the idle scenario has none).
        pairs = [(k, p) for k, p in pairs if "sse" in p and "longpoll" in p and
                 cpu(p["sse"]) is not None and cpu(p["longpoll"]) is not None]
        if not pairs:
            continue
        lines += [f"### {scenario}: {len(pairs)} SSE/long-poll pairs against one server", "",
                  "| pair | long-poll CPU s / 1k | SSE CPU s / 1k | CPU ratio | "
                  "long-poll bytes / delivery | SSE bytes / delivery | bytes ratio | "
                  "missing / duplicates |",
                  "|---|---|---|---|---|---|---|---|"]
        cpu_ratios, byte_ratios = [], []
        for k, p in pairs:
            lp, sse = p["longpoll"], p["sse"]
            cr, br = ratio(cpu(sse), cpu(lp)), ratio(wire(sse), wire(lp))
            if cr is not None:
                cpu_ratios.append(cr)
            if br is not None:
                byte_ratios.append(br)
            lost = sum(r["deliveries"]["missing"] for r in (lp, sse))
            dup = sum(r["deliveries"]["duplicates"] for r in (lp, sse))
            lines.append(f"| {k} | {fmt(cpu(lp), '.3f')} | {fmt(cpu(sse), '.3f')} | "
                         f"{times(cr)} | {fmt(wire(lp), ',.0f')} | {fmt(wire(sse), ',.0f')} | "
                         f"{times(br)} | {lost} / {dup} |")
        if cpu_ratios:
            lines += ["", f"Median CPU ratio **{statistics.median(cpu_ratios):.2f}×** "
                          f"(from {min(cpu_ratios):.2f}× to {max(cpu_ratios):.2f}×)" +
                      (f"; median bytes ratio {statistics.median(byte_ratios):.2f}×."
                       if byte_ratios else "."), ""]
        split = [(k, p) for k, p in pairs if "none" in p and storing(p["none"]) is not None]
        if split:
            lines += [f"#### {scenario}: storing against delivering", "",
                      "Storing: server CPU s per 1,000 messages with no sync connection open "
                      "(mode none, run beside the pair). Delivering: a run's CPU less storing "
                      "its messages, per 1,000 deliveries.", "",
                      "| pair | storing / 1k messages | storing / 1k deliveries | "
                      "long-poll delivering / 1k | SSE delivering / 1k | delivering ratio |",
                      "|---|---|---|---|---|---|"]
            split_ratios = []
            for k, p in split:
                lp, sse, base = p["longpoll"], p["sse"], storing(p["none"])
                d_lp, d_sse = delivering(lp, base), delivering(sse, base)
                per_delivery = base * sse["messages"]["sent"] / sse["deliveries"]["delivered"]
                dr = ratio(d_sse, d_lp)
                if dr is not None:
                    split_ratios.append(dr)
                lines.append(f"| {k} | {base:.3f} | {per_delivery:.3f} | {fmt(d_lp, '.3f')} | "
                             f"{fmt(d_sse, '.3f')} | {times(dr)} |")
            if split_ratios:
                lines += ["", f"Median delivering ratio {statistics.median(split_ratios):.2f}× "
                              f"(from {min(split_ratios):.2f}× to {max(split_ratios):.2f}×).", ""]
    if not lines:
        print("repeats.py: no SCENARIO-MODE-K.json pairs among the results", file=sys.stderr)
        return 1
    text = "\n".join(lines)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
