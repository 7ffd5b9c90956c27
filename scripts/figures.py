#!/usr/bin/env python3
"""The ReShare paper's figures from a `reshare figures` folder: DIR/results.csv (one row per point of the sweep) in,
one CSV per figure, plots (PNG and SVG) and report.md out. `reshare figures -o DIR` runs it; it can be run again on
a folder by hand (python3 scripts/figures.py DIR). Normalized as the paper normalizes: to RWS; storage also to ORC
and to the original weight bits (Fig. 7(b)). The CSV schemas are in docs/sweeps.md.

Synthetic weights are labeled in every CSV row (the weights column) and in every plot (the model's tick label)."""
import csv
import os
import sys

PAPER = {
    "fig3": "top-8 / top-32 patterns hold more than 21% / 38% of OU columns, 33% / 59% of the non-zero ones (Sec. III)",
    "fig6a": "ReShare at most 1.66x faster than RWS (Sec. V-B.1)",
    "fig6b": "ReShare and RWS need almost the same ReRAM; GoogLeNet compresses least (Sec. V-B.2)",
    "fig7a": "ReShare saves at most 30.7% of RWS's energy (Sec. V-B.3)",
    "fig7b": "ReShare's storage 49.5% below ORC; ORC above the original weights (Sec. V-B.4)",
}
# Why a figure differs, where it does: the measured reasons, kept in docs/ (docs/performance.md, "The paper's claims").
REASONS = {
    "fig3": "a share below the paper's bound on one of the (synthetic) ImageNet models (docs/encodings.md: the "
            "encoding decides the shares)",
    "fig6a": "the chip decides it: RWS's index table sits in the arrays, so resident RWS has several times ReShare's "
             "PEs; on RWS's chip ReShare fills its spare CUs with copies (docs/performance.md, docs/timing.md)",
    "fig6b": "ReShare's and RWS's crossbars differ by more than 5%, or another model than GoogLeNet compresses least "
             "(docs/storage.md)",
    "fig7a": "RWS's ReRAM index reads are cheap here (0.91 pJ per 8 entries against 10 pJ an eDRAM access); with "
             "rws.index_memory: edram the saving is about 50% (docs/performance.md)",
    "fig7b": "ReShare's task list (one pattern-buffer reference per result slot of every non-zero block) costs about "
             "what the shared cells save; the paper does not say how its task buffer is encoded (docs/storage.md)",
}
IMAGENET = ["alexnet", "vgg16", "resnet50", "googlenet"]
# Fig. 3's two readings of "OU columns" (docs/encodings.md): the top-k non-zero patterns over all columns (the
# paper's: its non-zero shares exceed its all-column ones, impossible if the zero pattern counted), and the top-k
# patterns with the zero pattern among them; and the non-zero columns. Each with the paper's stated lower bounds.
READINGS = (("all_columns", "top8_nonzero_of_all", "top32_nonzero_of_all", 0.21, 0.38),
            ("all_columns_zero_counted", "top8_share", "top32_share", 0.21, 0.38),
            ("nonzero_columns", "nonzero_top8_share", "nonzero_top32_share", 0.33, 0.59))


def read_rows(folder):
    with open(os.path.join(folder, "results.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    bad = [r for r in rows if r["status"] != "ok"]
    if bad:
        sys.exit(f"figures.py: {len(bad)} points of {folder}/results.csv are not done")
    return rows


def num(row, key):
    value = row.get(key, "")
    return float(value) if value not in ("", None) else 0.0


def ratio(a, b):
    return a / b if b else 0.0


def write_csv(folder, name, header, rows):
    with open(os.path.join(folder, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def order_of(rows):
    models, schemes = [], []
    for r in rows:
        if r["model"] not in models:
            models.append(r["model"])
        if r["command"] == "run" and r["scheme"] not in schemes:
            schemes.append(r["scheme"])
    return models, schemes


def label(model, weights):
    return f"{model}\n({weights})"


def figure_tables(rows):
    models, schemes = order_of(rows)
    runs = {(r["model"], r["label"], r["scheme"]): r for r in rows if r["command"] == "run"}
    stats = {r["model"]: r for r in rows if r["command"] == "stats"}
    weights = {r["model"]: r["weights"] for r in rows}
    t = {"models": models, "schemes": schemes, "weights": weights}
    t["fig3"] = [[m, weights[m], reading, f"{num(stats[m], k8):.4f}", f"{num(stats[m], k32):.4f}", p8, p32]
                 for m in models if m in stats
                 for reading, k8, k32, p8, p32 in READINGS]
    t["fig6a"], t["fig7a"] = [], []
    for view in ("resident", "equal-chip"):
        for m in models:
            base = runs.get((m, view, "rws"))
            for s in schemes:
                r = runs.get((m, view, s))
                if not r or not base:
                    continue
                t["fig6a"].append([m, weights[m], view, s, int(num(r, "pes")), int(num(r, "time_ns")),
                                   f"{ratio(num(base, 'time_ns'), num(r, 'time_ns')):.4f}"])
                t["fig7a"].append([m, weights[m], view, s, f"{num(r, 'energy_pj.dynamic'):.6g}",
                                   f"{num(r, 'energy_pj.leakage'):.6g}", f"{num(r, 'energy_pj.reprogramming'):.6g}",
                                   f"{num(r, 'energy_pj.total'):.6g}",
                                   f"{ratio(num(r, 'energy_pj.total'), num(base, 'energy_pj.total')):.4f}"])
    t["fig6b"], t["fig7b"] = [], []
    for m in models:   # one copy of the weights: the same in both views, read from the resident runs
        base, dense, orc = (runs.get((m, "resident", s)) for s in ("rws", "dense", "orc"))
        for s in schemes:
            r = runs.get((m, "resident", s))
            if not r:
                continue
            xb = num(r, "crossbars")
            t["fig6b"].append([m, weights[m], s, int(xb), f"{ratio(xb, num(base, 'crossbars')):.4f}",
                               f"{ratio(num(dense, 'crossbars'), xb):.4f}" if dense else ""])
            st = num(r, "storage_bits.total")
            t["fig7b"].append([m, weights[m], s, int(st), f"{ratio(st, num(base, 'storage_bits.total')):.4f}",
                               f"{ratio(st, num(orc, 'storage_bits.total')):.4f}" if orc else "",
                               f"{ratio(st, num(r, 'original_weight_bits')):.4f}"])
    return t


HEADERS = {
    "fig3": ["model", "weights", "reading", "top8_share", "top32_share", "paper_top8_above", "paper_top32_above"],
    "fig6a": ["model", "weights", "view", "scheme", "pes", "time_ns", "speedup_vs_rws"],
    "fig6b": ["model", "weights", "scheme", "crossbars", "crossbars_vs_rws", "reduction_vs_dense"],
    "fig7a": ["model", "weights", "view", "scheme", "dynamic_pj", "leakage_pj", "reprogramming_pj", "total_pj",
              "energy_vs_rws"],
    "fig7b": ["model", "weights", "scheme", "storage_bits", "storage_vs_rws", "storage_vs_orc", "storage_vs_weights"],
}
FILES = {"fig3": "fig3_pattern_shares", "fig6a": "fig6a_speedup", "fig6b": "fig6b_reram", "fig7a": "fig7a_energy",
         "fig7b": "fig7b_storage"}


def bars(ax, t, values, title, ylabel, log=False, line=None):
    """Grouped bars: one group per model, one bar per scheme; values[(model, scheme)]."""
    import numpy as np
    models, schemes = t["models"], [s for s in t["schemes"] if any((m, s) in values for m in t["models"])]
    width = 0.8 / max(1, len(schemes))
    x = np.arange(len(models))
    for i, s in enumerate(schemes):
        ax.bar(x + (i - (len(schemes) - 1) / 2) * width, [values.get((m, s), 0) for m in models], width, label=s)
    for i, s in enumerate(schemes):   # each bar's value over it: the plot is read, not only seen
        for xi, m in zip(x, models):
            if (m, s) in values:
                ax.annotate(f"{values[(m, s)]:.3g}", (xi + (i - (len(schemes) - 1) / 2) * width, values[(m, s)]),
                            ha="center", va="bottom", fontsize=5, rotation=90)
    ax.set_xticks(x)
    ax.set_xticklabels([label(m, t["weights"][m]) for m in models], fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    shown = [v for v in values.values() if v > 0]
    if log and shown and max(shown) / min(shown) > 10:   # a log axis only where the values span a decade
        from matplotlib.ticker import FuncFormatter
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_ylim(min(shown) / 2, max(shown) * 3)
    elif shown:
        ax.set_ylim(0, max(shown) * 1.15)
    if line is not None:
        ax.axhline(line, color="black", linewidth=0.8, linestyle="--")
    ax.grid(axis="y", alpha=0.3)


def plot(folder, t):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def save(fig, name, legend_of=None):
        if legend_of is not None:   # one legend of the schemes above the panels, clear of the bars
            handles, labels = legend_of.get_legend_handles_labels()
            fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, frameon=False)
            fig.tight_layout(rect=(0, 0, 1, 0.93))
        else:
            fig.tight_layout()
        for ext in ("png", "svg"):
            fig.savefig(os.path.join(folder, f"{name}.{ext}"), dpi=130)
        plt.close(fig)

    # Fig. 3: the shares of the top-8 and top-32 patterns, both readings, the paper's lower bounds dashed.
    fig, axes = plt.subplots(1, 3, figsize=(18, 4.5))
    for ax, (reading, _, _, bound8, bound32) in zip(axes, READINGS):
        vals = {}
        for row in t["fig3"]:
            if row[2] == reading:
                vals[(row[0], "top-8")] = float(row[3])
                vals[(row[0], "top-32")] = float(row[4])
        tt = dict(t, schemes=["top-8", "top-32"])
        bars(ax, tt, vals, f"Fig. 3: {reading.replace('_', ' ')}\n(paper: > {bound8:.0%} / > {bound32:.0%}, dashed)",
             "share of OU columns")
        ax.axhline(bound8, color="C0", linewidth=0.8, linestyle="--")
        ax.axhline(bound32, color="C1", linewidth=0.8, linestyle="--")
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=8)
    save(fig, FILES["fig3"])

    for key, col, title, ylabel, log, line in (
            ("fig6a", 6, "Fig. 6(a): speedup over RWS", "speedup (x, RWS = 1)", True, 1.0),
            ("fig7a", 8, "Fig. 7(a): energy normalized to RWS", "energy / RWS's", True, 1.0)):
        fig, axes = plt.subplots(1, 2, figsize=(14, 4.5))
        for ax, view in zip(axes, ("resident", "equal-chip")):
            vals = {(r[0], r[3]): float(r[col]) for r in t[key] if r[2] == view}
            bars(ax, t, vals, f"{title}, {view} view", ylabel, log=log, line=line)
        save(fig, FILES[key], legend_of=axes[0])

    fig, ax = plt.subplots(figsize=(8, 4.5))
    bars(ax, t, {(r[0], r[2]): float(r[5]) for r in t["fig6b"] if r[5]}, "Fig. 6(b): ReRAM reduction (dense crossbars / scheme's)",
         "reduction (x, dense = 1)", log=True, line=1.0)
    save(fig, FILES["fig6b"], legend_of=ax)

    fig, axes = plt.subplots(1, 3, figsize=(18, 4.5))
    for ax, col, what in ((axes[0], 4, "RWS"), (axes[1], 5, "ORC"), (axes[2], 6, "the original weight bits")):
        bars(ax, t, {(r[0], r[2]): float(r[col]) for r in t["fig7b"] if r[col]}, f"Fig. 7(b): storage normalized to {what}",
             f"storage / {what}", line=1.0)
    save(fig, FILES["fig7b"], legend_of=axes[0])


def verdicts(t):
    """Each figure: our values next to the paper's; matched or different, judged on the paper's four ImageNet models
    (None when none of them ran: face_recognition alone is not the paper's evaluation)."""
    out = {}
    imagenet = [m for m in t["models"] if m in IMAGENET]
    judged = bool(imagenet)

    def listing(values, fmt):
        return ", ".join(f"{m} {fmt(v)}" for m, v in values.items())

    f3 = {(r[0], r[2]): (float(r[3]), float(r[4])) for r in t["fig3"]}
    ours = "; ".join(f"{m} {f3[(m, 'all_columns')][0]:.1%} / {f3[(m, 'all_columns')][1]:.1%} of all, "
                     f"{f3[(m, 'nonzero_columns')][0]:.1%} / {f3[(m, 'nonzero_columns')][1]:.1%} of non-zero columns"
                     for m in t["models"] if (m, "all_columns") in f3)
    ok = all(f3[(m, "all_columns")][0] > 0.21 and f3[(m, "all_columns")][1] > 0.38 and f3[(m, "nonzero_columns")][0] > 0.33
             and f3[(m, "nonzero_columns")][1] > 0.59 for m in imagenet if (m, "all_columns") in f3)
    out["fig3"] = (ours, ok if judged else None)
    sp = {(r[0], r[2]): float(r[6]) for r in t["fig6a"] if r[3] == "reshare"}
    best = max([v for (m, view), v in sp.items() if view == "equal-chip" and m in imagenet], default=0)
    out["fig6a"] = ("ReShare over RWS, equal chip: " + listing({m: sp[(m, "equal-chip")] for m in t["models"] if (m, "equal-chip") in sp},
                                                             lambda v: f"{v:.2f}x") +
                    "; resident: " + listing({m: sp[(m, "resident")] for m in t["models"] if (m, "resident") in sp}, lambda v: f"{v:.2f}x"),
                    0.75 * 1.66 <= best <= 1.25 * 1.66 if judged else None)
    xb = {r[0]: float(r[4]) for r in t["fig6b"] if r[2] == "reshare"}
    red = {r[0]: float(r[5]) for r in t["fig6b"] if r[2] == "reshare" and r[5]}
    least = min((m for m in imagenet if m in red), key=lambda m: red[m], default="")
    out["fig6b"] = ("ReShare / RWS crossbars: " + listing(xb, lambda v: f"{v:.3f}") +
                    "; dense / ReShare crossbars: " + listing(red, lambda v: f"{v:.0f}x"),
                    all(abs(xb[m] - 1) <= 0.05 for m in imagenet if m in xb) and
                    (least == "googlenet" or "googlenet" not in red) if judged else None)
    en = {r[0]: float(r[8]) for r in t["fig7a"] if r[3] == "reshare" and r[2] == "resident"}
    saving = max([1 - v for m, v in en.items() if m in imagenet], default=0)
    out["fig7a"] = ("resident, ReShare / RWS energy: " + listing(en, lambda v: f"{v:.3f}") +
                    (f"; largest saving on the paper's models {saving:.1%}" if judged else ""),
                    0.75 * 0.307 <= saving <= 1.25 * 0.307 if judged else None)
    vs_orc = {r[0]: float(r[5]) for r in t["fig7b"] if r[2] == "reshare" and r[5]}
    orc_w = {r[0]: float(r[6]) for r in t["fig7b"] if r[2] == "orc"}
    cut = max([1 - v for m, v in vs_orc.items() if m in imagenet], default=0)
    out["fig7b"] = ("ReShare / ORC storage: " + listing(vs_orc, lambda v: f"{v:.3f}") +
                    (f" (largest reduction on the paper's models {cut:.1%})" if judged else "") +
                    "; ORC / original weights: " + listing(orc_w, lambda v: f"{v:.2f}"),
                    0.75 * 0.495 <= cut <= 1.25 * 0.495 and all(orc_w[m] > 1 for m in imagenet if m in orc_w) if judged else None)
    return out


def report(folder, t):
    lines = ["# The ReShare paper's figures, regenerated", "",
             "Made by `reshare figures`; every value comes from the reports in points/ (results.csv names each). "
             "Models: " + ", ".join(f"{m} ({t['weights'][m]} weights)" for m in t["models"]) + ". Synthetic weights "
             "are seeded random weights of the real network shapes: the paper's trained ImageNet weights are not "
             "public. A value is *matched* when it is within 25% of the paper's stated figure (or the stated relation "
             "holds), else *different*, with the reason.", "",
             "| figure | the paper says | we measure | verdict | why, where different |", "|---|---|---|---|---|"]
    for key, (ours, matched) in verdicts(t).items():
        verdict = "not judged (none of the paper's four models ran)" if matched is None else "matched" if matched else "different"
        reason = REASONS[key] if matched is False else ""
        lines.append(f"| {key} ({FILES[key]}.csv, .png) | {PAPER[key]} | {ours} | {verdict} | {reason} |")
    lines += ["", "Views: resident = each scheme on the chip that holds its network once; equal-chip = every scheme on "
              "RWS's chip, spare CUs filled with layer copies, a scheme needing more reprograms during the run "
              "(docs/timing.md). Fig. 6(a) is a claim about hardware: compare it in the equal-chip view. cr2 runs without a "
              "learned input-pattern buffer (no --learn), so it does ReShare's work: learn one with `reshare run "
              "--scheme cr2 --learn DIR` (docs/schemes.md).", ""]
    with open(os.path.join(folder, "report.md"), "w") as f:
        f.write("\n".join(lines))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: figures.py DIR (a reshare figures folder with results.csv)")
    folder = sys.argv[1]
    t = figure_tables(read_rows(folder))
    for key, name in FILES.items():
        write_csv(folder, name + ".csv", HEADERS[key], t[key])
    report(folder, t)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit("figures.py: CSVs and report.md written; no plots: matplotlib is missing (Debian: apt install python3-matplotlib)")
    plot(folder, t)
    print(f"{folder}: " + ", ".join(f"{n}.csv/.png/.svg" for n in FILES.values()) + ", report.md")


if __name__ == "__main__":
    main()
