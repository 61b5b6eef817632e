#!/usr/bin/env python3
"""Draws docs/performance.svg from a `paygate bench --sweep ... --json` report:
throughput (left axis) and p99 latency (right axis) against concurrency, for
paygate and the baseline. Standard library only."""
import json, math, sys

def main(src, dst):
    rs = json.load(open(src))
    xs = [r["clients"] for r in rs]
    pg = [r["paygate"]["throughputPerSec"] for r in rs]
    bl = [r["baseline"]["throughputPerSec"] if r.get("baseline") else 0 for r in rs]
    p99 = [r["paygate"]["ops"]["card"]["p99Ms"] for r in rs]
    W, H, L, R, T, B = 640, 360, 60, 60, 30, 50
    tmax = max(pg + bl) * 1.1
    lmax = max(p99) * 1.2
    def x(c): return L + (math.log2(c) - math.log2(xs[0])) / max(1e-9, math.log2(xs[-1]) - math.log2(xs[0])) * (W - L - R)
    def yt(v): return H - B - v / tmax * (H - T - B)
    def yl(v): return H - B - v / lmax * (H - T - B)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W/2}" y="18" text-anchor="middle" font-size="13">Card payments on SQLite: throughput and p99 against concurrency</text>',
           f'<line x1="{L}" y1="{H-B}" x2="{W-R}" y2="{H-B}" stroke="black"/>',
           f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H-B}" stroke="black"/>',
           f'<line x1="{W-R}" y1="{T}" x2="{W-R}" y2="{H-B}" stroke="black"/>']
    for c in xs:
        out.append(f'<text x="{x(c):.1f}" y="{H-B+15}" text-anchor="middle">{c}</text>')
    out.append(f'<text x="{W/2}" y="{H-12}" text-anchor="middle">concurrent clients</text>')
    for i in range(5):
        v = tmax * i / 4
        out.append(f'<text x="{L-5}" y="{yt(v)+4:.1f}" text-anchor="end">{v:.0f}</text>')
        l = lmax * i / 4
        out.append(f'<text x="{W-R+5}" y="{yl(l)+4:.1f}">{l:.0f}</text>')
    out.append(f'<text x="14" y="{H/2}" transform="rotate(-90 14 {H/2})" text-anchor="middle">requests/s</text>')
    out.append(f'<text x="{W-12}" y="{H/2}" transform="rotate(90 {W-12} {H/2})" text-anchor="middle">p99 ms (paygate)</text>')
    def line(vals, f, color, dash=""):
        pts = " ".join(f"{x(c):.1f},{f(v):.1f}" for c, v in zip(xs, vals))
        return f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2" {dash}/>'
    out.append(line(bl, yt, "#999999", 'stroke-dasharray="4 3"'))
    out.append(line(pg, yt, "#2b6cb0"))
    out.append(line(p99, yl, "#c53030"))
    for i, (label, color) in enumerate([("baseline req/s", "#999999"), ("paygate req/s", "#2b6cb0"), ("paygate p99 ms", "#c53030")]):
        out.append(f'<rect x="{L+10}" y="{T+6+i*15}" width="12" height="3" fill="{color}"/><text x="{L+26}" y="{T+10+i*15}">{label}</text>')
    out.append("</svg>")
    open(dst, "w").write("\n".join(out) + "\n")

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
