"""The reproductions' hot path: predictions in cache-sized batches against the former 1,024-image batches.

Profiling `zipit_split` (cProfile, one thread) shows that nearly all its time is spent in forward passes
(`torch.conv2d` alone ~65%): BatchNorm resets on the calibration batches (train mode, 256 images a batch, fixed
because the batch statistics are part of the result) and `predict` on the validation and test images. The
matcher, `merge_models`' tensor algebra, tracing and deepcopies together take a few percent. `predict`'s batch
size is free (eval mode: every sample's logits come out bit for bit alike in any batch of 4 or more, and equal
batches never leave fewer), and 128 images keep a ResNet-20's activations in the CPU's cache where 1,024 did not.

Three measurements, old and new path interleaved in one run (the fastest of `--repeats` counts, one thread):
per-image costs of the forward passes, `predict` on zoo models of every family (logits compared bit for bit),
and a reduced `zipit_split` end to end (fresh caches; its validation grid and test table compared exactly).

    .venv/bin/python benchmarks/bench_reproduce.py                 # ~5 min on one idle core
    .venv/bin/python benchmarks/bench_reproduce.py --no-split      # only the forward-pass costs and predict
"""
from __future__ import annotations

import argparse
import copy
import os
import platform
import tempfile
import time
from unittest import mock

import torch
from torch import nn

from merge_nb.data import calibration_data, load_images
from merge_nb.merge import reset_norm_stats
from merge_nb.models import predict
from merge_nb.zoo import load_model


@torch.no_grad()
def predict_old(model: nn.Module, x: torch.Tensor, batch_size: int = 1024, device=None, transform=None) -> torch.Tensor:
    "`predict` as it was: a loop over 1,024-image slices (the last one holds the remainder)."
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was = model.training
    model.eval()
    out = []
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size].to(device)
        out.append(model(transform(xb) if transform else xb).float().cpu())
    model.train(was)
    return torch.cat(out)


def race(fs: dict, repeats: int, cpu: dict | None = None) -> tuple[dict, dict]:
    "Run each function of `fs` in turn, `repeats` rounds (interleaved: load changes hit all alike); fastest, last."
    best, out = {k: float("inf") for k in fs}, {}
    for _ in range(repeats):
        for k, f in fs.items():
            t0, c0 = time.perf_counter(), time.process_time()
            out[k] = f()
            best[k] = min(best[k], time.perf_counter() - t0)
            if cpu is not None:  # CPU seconds: what an idle core would take (a busy machine inflates wall time)
                cpu[k] = min(cpu.get(k, float("inf")), time.process_time() - c0)
    return best, out


# Forward passes of the full ZipIt! reproduction, counted from its configuration (images through one model):
# per 5+5 split, 26 distinct merges of the 36-point grid (figures/zipit_grid.csv) each reset on 2,048 calibration
# images and predicting 5,000 validation images; on test, 9 resets (2 originals, WA, Git Re-Basin, Permute, ZipIt
# 20/20 and the two partial zips at 4/3 and 5/3 models' cost) and 9 models' predictions on 10,000 images; statistics
# of 2 models on 2,048 images. The N=5 set: 11 distinct merges of 18, 8 resets and predictions on test, 5 models'
# statistics.
ZIPIT_FORWARDS = {"5+5 split (x3)": (3, 35 * 2048 + 2 * 2048, 26 * 5000 + 9 * 10000),
                  "N=5 set": (1, 19 * 2048 + 5 * 2048, 11 * 5000 + 8 * 10000)}


def projection(ms: dict) -> None:
    "CPU minutes of the full ZipIt! reproduction on one thread: counted forward passes x CPU ms per image."
    print("| part | resets + statistics (images) | predictions (images) | old (CPU min) | new (CPU min) |")
    print("|---|---|---|---|---|")
    tot = {"old": 0.0, "new": 0.0}
    for part, (k, n_reset, n_pred) in ZIPIT_FORWARDS.items():
        t = {v: k * (n_reset * ms["reset"] + n_pred * ms[v]) / 60e3 for v in ("old", "new")}
        tot = {v: tot[v] + t[v] for v in tot}
        print(f"| {part} | {k} x {n_reset:,} | {k} x {n_pred:,} | {t['old']:.0f} | {t['new']:.0f} |")
    print(f"| ZipIt! in all | | | {tot['old']:.0f} | {tot['new']:.0f} ({tot['old'] / tot['new']:.2f}x) |\n")


def forward_costs(n: int, repeats: int) -> dict:
    "Per image, wall and CPU ms of a ResNet-20's forward passes: norm reset (train mode, batches of 256), predict."
    m = load_model("resnet20x1-fmnist5+5-s0-t0", retrain=False)
    cal = calibration_data("fashion_mnist", n=n, seed=0)
    x = load_images("fashion_mnist", "val")[0][:n]
    fs = {"reset": lambda: reset_norm_stats(copy.deepcopy(m), cal), "old": lambda: predict_old(m, x),
          "new": lambda: predict(m, x)}
    cpu = {}
    t, out = race(fs, repeats, cpu)
    ms = {k: 1000 * v / n for k, v in t.items()}
    cms = {k: 1000 * v / n for k, v in cpu.items()}
    print(f"ResNet-20x1, {n} images, ms per image (wall / CPU): norm reset {ms['reset']:.2f} / {cms['reset']:.2f}; "
          f"predict in slices of 1024 {ms['old']:.2f} / {cms['old']:.2f}, in equal batches of <= 128 "
          f"{ms['new']:.2f} / {cms['new']:.2f} ({ms['old'] / ms['new']:.2f}x wall, "
          f"{cms['old'] / cms['new']:.2f}x CPU); "
          f"logits identical: {torch.equal(out['old'], out['new'])}\n")
    return cms


def predict_table(names: list[str], n: int, repeats: int) -> bool:
    "`predict` old against new on zoo models of each family: times and bitwise equality of the logits."
    x = load_images("fashion_mnist", "test")[0][:n]
    print(f"| model ({n} test images) | slices of 1024 (s) | equal batches <= 128 (s) | speed-up | logits identical |")
    print("|---|---|---|---|---|")
    same_all = True
    for name in names:
        m = load_model(name, retrain=False)
        t, out = race({"old": lambda m=m: predict_old(m, x), "new": lambda m=m: predict(m, x)}, repeats)
        same = torch.equal(out["old"], out["new"])
        same_all &= same
        print(f"| {name} | {t['old']:.2f} | {t['new']:.2f} | {t['old'] / t['new']:.2f}x | {same} |", flush=True)
    return same_all


def split_race(n_val: int, n_test: int | None) -> bool:
    "A reduced `zipit_split` with the old `predict` and with the new one, each on a fresh cache; tables compared."
    from merge_nb.experiments import zipit

    kw = {"n_val": n_val, "n_test": n_test, "alphas": (0.5,), "betas": (1.0, 0.5), "progress": False}
    wall, cpu, outs = {}, {}, {}
    for label, pred in (("old", predict_old), ("new", predict)):
        with tempfile.TemporaryDirectory() as cache, mock.patch.dict(os.environ, MERGE_NB_CACHE=cache), \
                mock.patch.object(zipit, "predict", pred):
            t0, c0 = time.perf_counter(), time.process_time()
            outs[label] = zipit.zipit_split("resnet20x1-fmnist5+5", 0, **kw)
            wall[label], cpu[label] = time.perf_counter() - t0, time.process_time() - c0
    same_runs = outs["old"][0].equals(outs["new"][0])
    same_grid = outs["old"][1].equals(outs["new"][1])
    print(f"\nzipit_split(resnet20x1-fmnist5+5, split 0, {kw}), one run each (the load may change between them):")
    print(f"wall: old {wall['old']:.1f} s, new {wall['new']:.1f} s ({wall['old'] / wall['new']:.2f}x); "
          f"CPU: old {cpu['old']:.1f} s, new {cpu['new']:.1f} s ({cpu['old'] / cpu['new']:.2f}x); "
          f"validation grid identical: {same_grid}; test table identical: {same_runs}")
    print(outs["new"][1][["alpha", "beta", "val_joint"]].to_string())
    print(outs["new"][0][["joint", "task_avg"]].to_string())
    return same_runs and same_grid


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=2, help="interleaved rounds (the fastest counts)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (1: fair on a shared CPU)")
    p.add_argument("--n", type=int, default=1100,
                   help="images for the forward costs and predict (1100: neither path divides it evenly)")
    p.add_argument("--n-val", type=int, default=1000, help="validation images of the reduced zipit_split")
    p.add_argument("--n-test", type=int, default=2000, help="test images of the reduced zipit_split (0: all)")
    p.add_argument("--no-split", action="store_true", help="skip the reduced zipit_split")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {a.threads} thread(s), {platform.processor() or platform.machine()}\n")
    projection(forward_costs(a.n, a.repeats))
    families = ["resnet20x1-fmnist5+5-s0-t0", "resnet20x1gn-fmnist5+5-s0-t0", "resnet20x2-fmnist5+5-s0-t0",
                "vit4x1-fmnist5+5-s0-t0", "mlp-fmnist5+5-s0-t0"]
    same = predict_table(families, a.n, a.repeats)
    if not a.no_split:
        same &= split_race(a.n_val, a.n_test or None)
    if not same:
        raise SystemExit("the old and the new path disagree")


if __name__ == "__main__":
    main()
