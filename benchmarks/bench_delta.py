"""Out-of-core delta merging at GPT-2-small scale: wall time, peak memory and the ratio to an I/O floor.

    .venv/bin/python benchmarks/bench_delta.py [--dir DIR] [--repeat 2] [--keep]

Writes a base and three experts with GPT-2-small's tensor names and shapes (124,439,808 float32
parameters each: a random base plus small random deltas) as safetensors files to a temporary
folder, then times, each in a fresh subprocess (so every peak resident set size is that method's):

- floor: read the four inputs tensor by tensor, one elementwise operation (their sum, each input
  read once), write one output with the same streaming, atomic, fsync'ed writer the merges use;
- TA, TIES (per-tensor TopK, the default), DARE, DELLA with their preset settings, and TIES with
  whole-model TopK scope (two extra read passes) for information.

Targets on a 2-core CPU: at most 3x the floor for TA, TIES and DARE, 6x for DELLA; peak RSS under
2 GB for every method (the inputs together are 2 GB). The RSS includes the interpreter with torch
imported (printed as "baseline").
"""
from __future__ import annotations
import argparse, json, os, resource, shutil, subprocess, sys, tempfile, time
from pathlib import Path

N_LAYER, D, VOCAB, CTX = 12, 768, 50257, 1024


def gpt2_shapes() -> dict[str, tuple[int, ...]]:
    "GPT-2 small's tensor names and shapes, as in its model.safetensors (Conv1D weights are [in, out])."
    s = {"wte.weight": (VOCAB, D), "wpe.weight": (CTX, D)}
    for i in range(N_LAYER):
        p = f"h.{i}."
        s.update({p + "ln_1.weight": (D,), p + "ln_1.bias": (D,),
                  p + "attn.c_attn.weight": (D, 3 * D), p + "attn.c_attn.bias": (3 * D,),
                  p + "attn.c_proj.weight": (D, D), p + "attn.c_proj.bias": (D,),
                  p + "ln_2.weight": (D,), p + "ln_2.bias": (D,),
                  p + "mlp.c_fc.weight": (D, 4 * D), p + "mlp.c_fc.bias": (4 * D,),
                  p + "mlp.c_proj.weight": (4 * D, D), p + "mlp.c_proj.bias": (D,)})
    s.update({"ln_f.weight": (D,), "ln_f.bias": (D,)})
    return s


def write_inputs(folder: Path, n_experts: int = 3, seed: int = 0) -> None:
    import torch
    from safetensors.torch import save_file
    g = torch.Generator().manual_seed(seed)
    base = {k: torch.randn(s, generator=g) * 0.02 for k, s in gpt2_shapes().items()}
    save_file(base, folder / "base.safetensors")
    for t in range(n_experts):
        save_file({k: v + 1e-3 * torch.randn(v.shape, generator=g) for k, v in base.items()}, folder / f"expert{t}.safetensors")


def floor(base, experts, out):
    "Read the four inputs tensor by tensor, sum them (each read once), stream the result out."
    from merge_nb.delta import Source, save_streaming
    b, es = Source(base), [Source(e) for e in experts]
    names = b.names
    def sums():
        for n in names:
            o = b.get(n).add(es[0].get(n))
            for e in es[1:]: o.add_(e.get(n))
            yield o
    return save_streaming(out, [(n, *b.meta[n]) for n in names], sums())


def peak_rss_gb() -> float:
    "This process's peak resident set size (VmHWM; ru_maxrss would include the parent's at fork)."
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"): return int(line.split()[1]) * 1024 / 1e9
    except OSError: pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9   # Linux: KiB


def worker(method: str, folder: Path) -> dict:
    import torch
    from merge_nb import delta
    base_rss = peak_rss_gb()
    base, experts = folder / "base.safetensors", sorted(folder.glob("expert*.safetensors"))
    out = folder / f"out-{method}.safetensors"
    fn = {"floor": floor, "TA": delta.task_arithmetic, "TIES": delta.ties, "DARE": delta.dare, "DELLA": delta.della,
          "TIES (model scope)": lambda b, e, out: delta.ties(b, e, scope="model", out=out, progress=False)}[method]
    kw = {} if method in ("floor", "TIES (model scope)") else {"progress": False}
    t0 = time.perf_counter()
    fn(base, experts, out=out, **kw)
    wall = time.perf_counter() - t0
    out.unlink()
    return {"method": method, "wall_s": wall, "peak_rss_gb": peak_rss_gb(),
            "baseline_rss_gb": base_rss, "threads": torch.get_num_threads()}


def run_fresh(method: str, folder: Path) -> dict:
    r = subprocess.run([sys.executable, __file__, "--worker", method, "--dir", str(folder)], capture_output=True, text=True)
    if r.returncode: raise RuntimeError(f"{method} failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


TARGETS = {"TA": 3, "TIES": 3, "DARE": 3, "DELLA": 6}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, help="where to write the inputs (default: a new temporary folder, removed at the end)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per method; the fastest is reported (default 2)")
    ap.add_argument("--keep", action="store_true", help="keep the input files")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        print(json.dumps(worker(a.worker, a.dir))); return
    folder = a.dir or Path(tempfile.mkdtemp(prefix="bench_delta_"))
    folder.mkdir(parents=True, exist_ok=True)
    need = 3.2e9
    if shutil.disk_usage(folder).free < need: sys.exit(f"need {need / 1e9:.1f} GB free in {folder}")
    try:
        if not (folder / "base.safetensors").exists():
            t0 = time.perf_counter(); write_inputs(folder)
            print(f"wrote base + 3 experts (GPT-2 small shapes, {sum(map(_numel, gpt2_shapes().values())):,} float32 "
                  f"parameters each) to {folder} in {time.perf_counter() - t0:.0f} s")
        methods = ["floor", "TA", "TIES", "DARE", "DELLA", "TIES (model scope)"]
        res = {}
        for rep in range(a.repeat):   # interleaved, so slow periods of a shared machine hit every method alike
            for m in methods:
                r = run_fresh(m, folder)
                if m not in res or r["wall_s"] < res[m]["wall_s"]: res[m] = r
        fl = res["floor"]["wall_s"]
        print(f"\n{'method':20s} {'wall s':>7s} {'x floor':>8s} {'target':>7s} {'peak RSS GB':>12s}")
        for m in methods:
            r = res[m]; t = TARGETS.get(m)
            ok = "" if t is None else ("ok" if r["wall_s"] <= t * fl and r["peak_rss_gb"] < 2 else "MISSED")
            print(f"{m:20s} {r['wall_s']:7.2f} {r['wall_s'] / fl:8.2f} {('<= %dx' % t) if t else '-':>7s} "
                  f"{r['peak_rss_gb']:12.2f}  {ok}")
        print(f"(baseline RSS with torch imported: {res['floor']['baseline_rss_gb']:.2f} GB; "
              f"torch threads: {res['floor']['threads']}; best of {a.repeat}; RSS target < 2 GB)")
    finally:
        if not a.keep and a.dir is None: shutil.rmtree(folder, ignore_errors=True)


def _numel(shape):
    n = 1
    for s in shape: n *= s
    return n


if __name__ == "__main__":
    main()
