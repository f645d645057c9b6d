#!/usr/bin/env python3
"""Splits a server profile of a chat run into what each delivery costs.

Usage: profile_split.py PERF_SCRIPT RUN_JSON
PERF_SCRIPT is `perf script -F ip,sym` of `perf record --call-graph=dwarf` on the server (one
stack per sample, leaf first, blank lines between); RUN_JSON is myelin-load's result for the
same run, whose CPU seconds per 1,000 deliveries turn shares of samples into µs per delivery.
Each sample goes to the first class whose test matches its stack (the order matters: a send
made while storing a message counts as storing).
"""
import json
import sys


def has(stack, *parts):
    return any(p in frame for frame in stack for p in parts)


CLASSES = [
    # The PUT /send request and what storing an event sets off (push rules, push actions).
    ("storing the messages (send request, signing, SQL, push)",
     lambda s: has(s, "send_event", "NotificationCounter", "add_room_routes")),
    # The kernel switching the server out after a send woke the receiver, and back.
    ("scheduler switch after a send", lambda s: "finish_task_switch" in s[0]),
    ("socket send (kernel)", lambda s: has(s, "__sys_sendto", "__sys_sendmsg", "tcp_sendmsg")),
    ("socket receive (kernel)",
     lambda s: has(s, "__sys_recvfrom", "__sys_recvmsg", "tcp_recvmsg")),
    ("sync: computing the answer", lambda s: has(s, "SyncService::compute")),
    ("sync: request (auth, filter, since)",
     lambda s: has(s, "add_sync_routes", "require_auth", "sync_request", "parse_since")),
    ("sync: stream and wait loop", lambda s: has(s, "run_sse_session", "wait_for", "Notifier")),
    ("HTTP server (parse, route, respond)", lambda s: has(s, "HttpServer", "Router", "beast")),
    ("waiting for events (epoll)", lambda s: has(s, "epoll_wait")),
]


def stacks(path):
    stack = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                if stack:
                    yield stack
                stack = []
                continue
            parts = line.split(None, 1)
            stack.append(parts[1] if len(parts) > 1 else parts[0])
    if stack:
        yield stack


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    run = json.load(open(sys.argv[2]))
    per_1k = run["server"]["cpu_s_per_1k_deliveries"]
    counts = {name: 0 for name, _ in CLASSES}
    counts["other"] = 0
    total = 0
    for s in stacks(sys.argv[1]):
        total += 1
        for name, test in CLASSES:
            if test(s):
                counts[name] += 1
                break
        else:
            counts["other"] += 1
    if not total:
        sys.exit("no samples")
    mode = run.get("mode", "?")
    if per_1k is None:  # mode none: no deliveries, only messages
        per_1k = run["server"]["cpu_s_per_1k_messages"]
        unit = "message"
    else:
        unit = "delivery"
    us = per_1k * 1000  # CPU s per 1,000 → µs per one
    print(f"### {mode}: {us:.1f} µs of server CPU per {unit} ({total} samples)\n")
    print(f"| part | share | µs per {unit} |")
    print("|---|---|---|")
    for name, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {100 * n / total:.1f} % | {us * n / total:.1f} |")


if __name__ == "__main__":
    main()
