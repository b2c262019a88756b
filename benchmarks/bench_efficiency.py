r"""Inference efficiency of the networks as a share of a matmul's FLOP rate.

For the networks of ``mel-cnn`` (VGG-like 2D CNN on 64 x 32 log-Mel images)
and ``lv-18`` (1D CNN on 8,000-sample waveforms), built for 10 classes, the
floating-point operations of one forward pass are counted with
:class:`torch.utils.flop_counter.FlopCounterMode` (a multiply-add counts as
2), then a batch of ``--batch`` examples is timed on one thread in several
settings:

- eager PyTorch under ``torch.inference_mode``, as built and as each
  network was built before the speed changes: its ReLUs before its max
  pooling (the paper's order; the networks now pool first, which gives the
  same values with the ReLU on fewer samples), for the 2D network
  contiguous convolution weights instead of channels-last ones, and for
  the 1D network its convolutions on the whole batch at once instead of a
  few clips at a time (``CPDBlock.chunk_bytes``);
- ONNX Runtime on the network alone (exported with ``torch.onnx.export``,
  one intra-op thread).

A training step (forward, backward, Adam) on a batch of 32 is timed for the
same variants.

The reference is a float32 matmul of two 1024 x 1024 matrices on the same
thread, the FLOP rate the CPU reaches on the best-tuned kernel; each setting
is reported as GFLOP/s and as a share of it. Times are CPU time of the
calling thread (``time.thread_time``) so that other processes on a shared
machine do not count; settings are interleaved, ``--rounds`` rounds, median.

Usage::

    python benchmarks/bench_efficiency.py --output benchmarks/results/efficiency.md
"""

import argparse
import copy
import datetime
import os
import platform
import tempfile
import time
import warnings

import numpy as np
import onnxruntime as ort
import torch
from torch.utils.flop_counter import FlopCounterMode

import skaudio
from skaudio.nn import LVFlat, SpectrogramCNN
from skaudio.nn.blocks import CPDBlock
from skaudio.presets import spectrogram_preset

POOLS = (torch.nn.MaxPool1d, torch.nn.MaxPool2d)


def _networks():
    # The networks as make_model("mel-cnn"/"lv-18", sample_rate=8000) builds
    # them for FSDD's 10 classes (LV-18's pool halved at 8 kHz).
    mel = SpectrogramCNN(in_channels=1, n_classes=10, **spectrogram_preset("vgg")[1])
    lv18 = LVFlat(in_channels=1, n_classes=10, stride=1, pool=4)
    return {
        "mel-cnn (SpectrogramCNN vgg, 1 x 64 x 32)": (mel.eval(), (1, 64, 32)),
        "lv-18 (LVFlat stride 1 pool 4, 1 x 8000)": (lv18.eval(), (1, 8000)),
    }


def _relu_before_pooling(network):
    """Copy ``network`` with each ``max-pool → ReLU`` pair swapped back."""
    network = copy.deepcopy(network)
    for module in network.modules():
        if isinstance(module, torch.nn.Sequential):
            for i in range(len(module) - 1):
                pool, relu = module[i], module[i + 1]
                if isinstance(pool, POOLS) and isinstance(relu, torch.nn.ReLU):
                    module[i], module[i + 1] = relu, pool
    return network


def _variants(network, training=False):
    """Name the network as built, and as built before each speed change.

    ``CPDBlock.chunk_bytes`` applies only without gradients: in training the
    1D network has no "whole batch" variant, which would run the same code.
    """
    variants = {"as built": network}
    if any(isinstance(m, CPDBlock) for m in network.modules()):
        if training:
            variants["ReLU before pooling"] = _relu_before_pooling(network)
            return variants
        network = copy.deepcopy(network)
        for module in network.modules():
            if isinstance(module, CPDBlock):
                module.chunk_bytes = None
        variants["whole batch per convolution"] = network
        variants["whole batch, ReLU before pooling"] = _relu_before_pooling(network)
        return variants
    earlier = _relu_before_pooling(network)
    variants["ReLU before pooling"] = earlier
    variants["ReLU before pooling, contiguous weights"] = copy.deepcopy(earlier).to(
        memory_format=torch.contiguous_format
    )
    return variants


def _flops(network, x):
    counter = FlopCounterMode(display=False)
    with counter, torch.inference_mode():
        network(x)
    return counter.get_total_flops()


def _cpu_seconds(method, rounds):
    return [_time_once(method) for _ in range(rounds)]


def _time_once(method):
    start = time.thread_time()
    method()
    return time.thread_time() - start


def _onnx_session(network, x, folder):
    path = os.path.join(folder, "network.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            network,
            (x,),
            path,
            dynamo=True,
            input_names=["x"],
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            verbose=False,
        )
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def _training_rows(rounds):
    """Time a training step of each network variant, batch of 32."""
    rows = []
    for name, (network, shape) in _networks().items():
        torch.manual_seed(0)
        x, y = torch.randn(32, *shape), torch.randint(0, 10, (32,))
        steps = {}
        for variant, net in _variants(network, training=True).items():
            net = copy.deepcopy(net).train()
            optimizer = torch.optim.Adam(net.parameters())

            def step(net=net, optimizer=optimizer, x=x, y=y):
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(net(x), y).backward()
                optimizer.step()

            step()  # warm-up
            steps[variant] = step
        times = {variant: [] for variant in steps}
        for _ in range(3 * rounds):
            for variant, step in steps.items():
                times[variant].append(_time_once(step))
        slowest = max(np.median(t) for t in times.values())
        rows += [
            f"| {name} | {variant} | {np.median(t) * 1e3:.1f} "
            f"| {slowest / np.median(t):.2f} |"
            for variant, t in times.items()
        ]
        print("\n".join(rows[-len(times) :]), flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    matmul_flops = 2 * 1024**3
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, (network, shape) in _networks().items():
            x = torch.randn(args.batch, *shape)
            flops = _flops(network, x)
            settings = {}
            for variant, net in _variants(network).items():

                def eager(net=net, x=x):
                    with torch.inference_mode():
                        net(x)

                settings[f"eager, {variant}"] = eager
            session = _onnx_session(network, x, folder)
            x_np = x.numpy()
            settings["ONNX Runtime"] = lambda s=session, x=x_np: s.run(None, {"x": x})
            for method in (*settings.values(), lambda: a @ b):
                method()  # warm-up
            times = {k: [] for k in [*settings, "matmul"]}
            for _ in range(args.rounds):
                for key, method in settings.items():
                    times[key].append(_time_once(method))
                times["matmul"].append(_time_once(lambda: a @ b))
            matmul_rate = matmul_flops / np.median(times["matmul"])
            for key in settings:
                rate = flops / np.median(times[key])
                rows.append(
                    f"| {name} | {key} | {flops / args.batch / 1e6:.1f} | "
                    f"{np.median(times[key]) * 1e3:.1f} | {rate / 1e9:.2f} | "
                    f"{matmul_rate / 1e9:.2f} | {rate / matmul_rate:.0%} |"
                )
            print("\n".join(rows[-len(settings) :]), flush=True)
    training_rows = _training_rows(args.rounds)
    text = "\n".join(
        [
            "# Inference efficiency: the networks' FLOP rate as a share of a matmul's",
            "",
            "- Command: `python benchmarks/bench_efficiency.py "
            f"--batch {args.batch} --rounds {args.rounds}`",
            f"- Date: {datetime.date.today().isoformat()}",
            "- Machine: 2-core x86_64 VM, no GPU, shared with other processes "
            "(load average at the end: "
            f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}); times are the "
            "calling thread's CPU time, one torch / ONNX Runtime thread",
            f"- Versions: skaudio {skaudio.__version__}, torch {torch.__version__}, "
            f"onnxruntime {ort.__version__}, Python {platform.python_version()}",
            f"- Batch of {args.batch} examples; median of {args.rounds} interleaved "
            "rounds; matmul: 1024 x 1024 @ 1024 x 1024 float32, timed in the same "
            "rounds",
            "",
            "| network | setting | MFLOP per example | ms per batch | GFLOP/s "
            "| matmul GFLOP/s | share of matmul |",
            "|---|---|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "## Training step (forward, backward, Adam), batch of 32",
            "",
            "| network | setting | ms per step (CPU, median) | speed-up over the "
            "slowest |",
            "|---|---|---:|---:|",
            *training_rows,
            "",
        ]
    )
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
