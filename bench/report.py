#!/usr/bin/env python3
"""Turns myelin-load result files into Markdown tables and PNG plots.

Usage: bench/report.py RESULT.json... [--out REPORT.md] [--plots DIR]

Runs that differ only in --mode are put side by side, with the SSE/long-poll ratio for server
CPU per 1,000 deliveries and bytes per delivery. Plots need gnuplot (Debian: gnuplot-nox);
without it the report says so and has none. Python standard library only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

# Parameters that make two runs comparable; the mode is what differs between columns.
GROUP_KEYS = ["scenario", "users", "rooms", "rooms_per_user", "huge_room", "rate", "duration_s",
              "messages", "interval_ms", "heartbeat_interval_s", "server_url"]

MODES = ["longpoll", "sse"]


def get(d, path, default=None):
    for part in path.split("."):
        if not isinstance(d, dict) or part not in d:
            return default
        d = d[part]
    return d


def fmt(v, digits=3):
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v == int(v) and abs(v) >= 1000:
            return f"{int(v):,}"
        if abs(v) >= 100:
            return f"{v:,.1f}"
        return f"{v:.{digits}g}" if abs(v) < 1 else f"{v:.2f}"
    return str(v)


def ratio(a, b):
    if a is None or b is None or not b:
        return None
    return a / b


# (label, how to read it, show SSE/long-poll ratio)
ROWS = [
    ("connections", lambda r: r.get("connections"), False),
    ("messages sent", lambda r: get(r, "messages.sent"), False),
    ("deliveries", lambda r: get(r, "deliveries.delivered"), False),
    ("deliveries / s", lambda r: get(r, "deliveries.per_s"), False),
    ("latency p50 (ms)", lambda r: get(r, "latency_ms.p50") if get(r, "latency_ms.count") else None, True),
    ("latency p99 (ms)", lambda r: get(r, "latency_ms.p99") if get(r, "latency_ms.count") else None, True),
    ("latency max (ms)", lambda r: get(r, "latency_ms.max") if get(r, "latency_ms.count") else None, False),
    ("server CPU s / 1k deliveries", lambda r: get(r, "server.cpu_s_per_1k_deliveries"), True),
    ("server CPU s / 1k messages", lambda r: get(r, "server.cpu_s_per_1k_messages"), True),
    ("server CPU %", lambda r: get(r, "server.cpu_percent"), True),
    ("bytes / delivery (both ways)", lambda r: get(r, "wire.bytes_per_delivery"), True),
    ("bytes out / delivery", lambda r: get(r, "wire.bytes_out_per_delivery"), True),
    ("bytes in / delivery", lambda r: get(r, "wire.bytes_in_per_delivery"), True),
    ("requests / delivery", lambda r: get(r, "wire.requests_per_delivery"), True),
    ("receiver bytes / connection / s", lambda r: get(r, "wire.receiver_bytes_per_connection_per_s"), True),
    ("server longest loop stall (ms)", lambda r: r.get("server_loop_lag_max_ms"), False),
    ("server RSS (KiB) connected", lambda r: get(r, "server.rss_kib_connected"), False),
    ("server RSS KiB / connection", lambda r: get(r, "server.rss_kib_per_connection"), True),
    ("heartbeat gap p50 (ms)", lambda r: get(r, "heartbeat_gap_ms.p50") if get(r, "heartbeat_gap_ms.count") else None, False),
    ("heartbeat gap p99 (ms)", lambda r: get(r, "heartbeat_gap_ms.p99") if get(r, "heartbeat_gap_ms.count") else None, False),
    ("heartbeat gap max (ms)", lambda r: get(r, "heartbeat_gap_ms.max") if get(r, "heartbeat_gap_ms.count") else None, False),
    ("load generator CPU %", lambda r: get(r, "loadgen.cpu_percent"), False),
    ("missing", lambda r: get(r, "deliveries.missing"), False),
    ("duplicates", lambda r: get(r, "deliveries.duplicates"), False),
    ("limited timelines", lambda r: get(r, "receivers.limited_timelines"), False),
    ("errors", lambda r: r.get("errors"), False),
    ("ok", lambda r: r.get("ok"), False),
]


def load(paths):
    runs = []
    for p in paths:
        with open(p) as f:
            r = json.load(f)
        if r.get("tool") != "myelin-load":
            print(f"report: {p}: not a myelin-load result, skipped", file=sys.stderr)
            continue
        r["_file"] = os.path.basename(p)
        runs.append(r)
    return runs


def group_key(r):
    o = r.get("options", {})
    return tuple((k, json.dumps(o.get(k, r.get(k)))) for k in GROUP_KEYS)


def describe_group(r):
    o = r["options"]
    s = o["scenario"]
    parts = [f"{o['users']} users"]
    if s in ("chat", "idle"):
        parts.append(f"{o['rooms']} rooms, {o['rooms_per_user']} per user")
        if o.get("huge_room"):
            parts.append("plus one room with everyone")
    if s == "chat":
        parts.append(f"{fmt(o['rate'])} msg/s for {fmt(o['duration_s'])} s")
    if s == "idle":
        parts.append(f"held {fmt(o['duration_s'])} s")
    if s in ("fanout", "latency"):
        parts.append(f"{o['messages']} messages every {fmt(o['interval_ms'])} ms")
    if s == "latency":
        parts = [f"1 sender, 1 receiver, {o['messages']} messages every {fmt(o['interval_ms'])} ms"]
    return f"{s}: " + ", ".join(parts)


def columns_for(runs):
    """Orders a group's runs: long-poll first, then SSE; labels repeats by file."""
    cols = []
    for mode in MODES + sorted({r["mode"] for r in runs} - set(MODES)):
        same = [r for r in runs if r["mode"] == mode]
        for r in same:
            label = mode if len(same) == 1 else f"{mode} ({r['_file']})"
            cols.append((label, r))
    return cols


def group_table(runs):
    cols = columns_for(runs)
    lp = next((r for r in runs if r["mode"] == "longpoll"), None)
    sse = next((r for r in runs if r["mode"] == "sse"), None)
    show_ratio = lp is not None and sse is not None
    head = ["metric"] + [c[0] for c in cols] + (["SSE / long-poll"] if show_ratio else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, read, want_ratio in ROWS:
        values = [read(r) for _, r in cols]
        if all(v is None for v in values):
            continue
        row = [label] + [fmt(v) for v in values]
        if show_ratio:
            q = ratio(read(sse), read(lp)) if want_ratio else None
            row.append(f"**{q:.2f}×**" if q is not None else "")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def summary_table(runs):
    head = ["file", "scenario", "mode", "conns", "deliv/s", "p50 ms", "p99 ms",
            "CPU s/1k deliv", "bytes/deliv", "req/deliv", "RSS KiB/conn", "missing", "dups", "errors"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in runs:
        has_lat = get(r, "latency_ms.count")
        lines.append("| " + " | ".join([
            r["_file"], r["scenario"], r["mode"], fmt(r.get("connections")),
            fmt(get(r, "deliveries.per_s")),
            fmt(get(r, "latency_ms.p50") if has_lat else None),
            fmt(get(r, "latency_ms.p99") if has_lat else None),
            fmt(get(r, "server.cpu_s_per_1k_deliveries")),
            fmt(get(r, "wire.bytes_per_delivery")),
            fmt(get(r, "wire.requests_per_delivery")),
            fmt(get(r, "server.rss_kib_per_connection")),
            fmt(get(r, "deliveries.missing")), fmt(get(r, "deliveries.duplicates")),
            fmt(r.get("errors")),
        ]) + " |")
    return "\n".join(lines)


# --- plots -----------------------------------------------------------------------------------

def gnuplot(script, data_files):
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in data_files.items():
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        subprocess.run(["gnuplot"], input=script, text=True, cwd=tmp, check=True)


def bar_plot(groups, metric_label, read, path, title):
    """One cluster per run group, one bar per mode."""
    rows = []
    for i, (key, runs) in enumerate(groups):
        vals = {}
        for m in MODES:
            r = next((x for x in runs if x["mode"] == m), None)
            v = read(r) if r else None
            vals[m] = "NaN" if v is None else str(v)
        if all(v == "NaN" for v in vals.values()):
            continue
        name = runs[0]["scenario"] + f"\\n{runs[0].get('connections')} clients"
        rows.append(f"\"{name}\" {vals['longpoll']} {vals['sse']}")
    if not rows:
        return False
    script = f"""
set terminal pngcairo size 900,500 font ",10"
set output "{os.path.abspath(path)}"
set title "{title}"
set ylabel "{metric_label}"
set bmargin 4
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set yrange [0:*]
set grid ytics
plot "data" using 2:xtic(1) title "long-poll", "" using 3 title "SSE"
"""
    gnuplot(script, {"data": "\n".join(rows) + "\n"})
    return True


def scaling_plot(runs, scenario, metric_label, read, path, title):
    """Metric against the number of clients, one line per mode, when a scenario ran at several
    sizes."""
    series = {}
    for m in MODES:
        pts = sorted((r.get("connections"), read(r)) for r in runs
                     if r["scenario"] == scenario and r["mode"] == m and read(r) is not None)
        if pts:
            series[m] = pts
    if not any(len({u for u, _ in pts}) >= 2 for pts in series.values()):
        return False
    files = {f"{m}.dat": "\n".join(f"{u} {v}" for u, v in pts) + "\n" for m, pts in series.items()}
    plots = ", ".join(f'"{m}.dat" using 1:2 with linespoints title "{"SSE" if m == "sse" else "long-poll"}"'
                      for m in series)
    script = f"""
set terminal pngcairo size 900,500 font ",10"
set output "{os.path.abspath(path)}"
set title "{title}"
set xlabel "receiving clients (connections)"
set ylabel "{metric_label}"
set key top left
set grid
set yrange [0:*]
plot {plots}
"""
    gnuplot(script, files)
    return True


def make_plots(runs, groups, plot_dir):
    if shutil.which("gnuplot") is None:
        return None, "gnuplot is not installed (Debian: apt-get install gnuplot-nox): no plots."
    os.makedirs(plot_dir, exist_ok=True)
    made = []
    bars = [
        ("cpu_per_1k.png", "server CPU s per 1,000 deliveries",
         lambda r: get(r, "server.cpu_s_per_1k_deliveries"), "Server CPU per 1,000 deliveries"),
        ("bytes_per_delivery.png", "bytes per delivery (both directions)",
         lambda r: get(r, "wire.bytes_per_delivery"), "Bytes on the wire per delivery"),
        ("latency_p99.png", "p99 delivery latency (ms)",
         lambda r: get(r, "latency_ms.p99") if get(r, "latency_ms.count") else None,
         "p99 end-to-end delivery latency"),
        ("rss_per_connection.png", "server RSS KiB per connection",
         lambda r: get(r, "server.rss_kib_per_connection"), "Server memory per connection"),
    ]
    for name, label, read, title in bars:
        path = os.path.join(plot_dir, name)
        if bar_plot(groups, label, read, path, title):
            made.append((title, path))
    for scenario in sorted({r["scenario"] for r in runs}):
        for key, label, read in [
            ("cpu", "server CPU s per 1,000 deliveries", lambda r: get(r, "server.cpu_s_per_1k_deliveries")),
            ("rss", "server RSS KiB per connection", lambda r: get(r, "server.rss_kib_per_connection")),
            ("p99", "p99 latency (ms)", lambda r: get(r, "latency_ms.p99") if get(r, "latency_ms.count") else None),
        ]:
            path = os.path.join(plot_dir, f"{scenario}_{key}_vs_users.png")
            if scaling_plot(runs, scenario, label, read, path, f"{scenario}: {label} against clients"):
                made.append((f"{scenario}: {label} against users", path))
    return made, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", help="result JSON files written by myelin-load --out")
    ap.add_argument("--out", help="write the Markdown here (default: stdout)")
    ap.add_argument("--plots", help="directory for PNG plots (default: plots/ next to --out, "
                                    "or ./plots)")
    args = ap.parse_args()

    runs = load(args.results)
    if not runs:
        sys.exit("report: no results")
    groups = {}
    for r in runs:
        groups.setdefault(group_key(r), []).append(r)
    groups = list(groups.items())

    out_dir = os.path.dirname(os.path.abspath(args.out)) if args.out else os.getcwd()
    plot_dir = args.plots or os.path.join(out_dir, "plots")

    md = ["# myelin-load results", ""]
    urls = sorted({r["server_url"] for r in runs})
    md.append(f"Server: {', '.join(urls)}. Ratios are SSE divided by long-poll: below 1 means SSE "
              "costs less.")
    md.append("")
    for _, g in groups:
        md.append(f"## {describe_group(g[0])}")
        md.append("")
        md.append(group_table(g))
        md.append("")
    md.append("## All runs")
    md.append("")
    md.append(summary_table(runs))
    md.append("")

    made, note = make_plots(runs, groups, plot_dir)
    md.append("## Plots")
    md.append("")
    if note:
        print(f"report: {note}", file=sys.stderr)
        md.append(note)
    elif not made:
        md.append("Nothing to plot.")
    else:
        for title, path in made:
            md.append(f"![{title}]({os.path.relpath(path, out_dir)})")
            md.append("")
    text = "\n".join(md) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
        print(f"report: wrote {args.out}" + (f" and {len(made)} plots in {plot_dir}" if made else ""),
              file=sys.stderr)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
