"""One training step of the zoo's convolutional models: NCHW (PyTorch's default) against channels-last.

`merge_nb.models.train` runs image models in channels-last memory format; this measures what that buys
on this machine. Both arms are the same model (same seed, same batch); the step's losses are checked
to agree. Prints a Markdown table of the fastest of `--repeats` interleaved steps.

    .venv/bin/python benchmarks/bench_train.py                 # resnet20x1, resnet32x1, resnet20x2, one thread
    .venv/bin/python benchmarks/bench_train.py --threads 2
"""
from __future__ import annotations
import argparse, platform, time

import torch
import torch.nn.functional as F

from merge_nb.zoo import build, recipe

MODELS = {"ResNet-20x1": "resnet20x1-fmnist5+5-s0-t0", "ResNet-32x1": "resnet32x1-fmnist5+5-s0-t0",
          "ResNet-20x2": "resnet20x2-fmnist5+5-s0-t0"}


def step_fn(name: str, channels_last: bool, x: torch.Tensor, y: torch.Tensor):
    "A closure running one SGD step of a freshly built zoo model; returns the loss."
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = build(recipe(name)).train().to(memory_format=fmt)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    xb = x.contiguous(memory_format=fmt)

    def step() -> float:
        loss = F.cross_entropy(model(xb)[:, :5], y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--batch", type=int, default=256)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(a.batch, 1, 28, 28, generator=g), torch.randint(0, 5, (a.batch,), generator=g)
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {a.threads} thread(s), "
          f"batch {a.batch}, fastest of {a.repeats} steps\n")
    print("| model | NCHW s/step | channels-last s/step | ratio | first-step losses agree |")
    print("|---|---|---|---|---|")
    for label, name in MODELS.items():
        arms = {cl: step_fn(name, cl, x, y) for cl in (False, True)}
        first = {cl: s() for cl, s in arms.items()}          # warm-up step, also the loss check
        best = {cl: float("inf") for cl in arms}
        for _ in range(a.repeats):
            for cl, s in arms.items():
                t0 = time.perf_counter()
                s()
                best[cl] = min(best[cl], time.perf_counter() - t0)
        agree = abs(first[False] - first[True]) < 1e-4
        print(f"| {label} | {best[False]:.2f} | {best[True]:.2f} | {best[True] / best[False]:.2f} | {agree} |")


if __name__ == "__main__":
    main()
