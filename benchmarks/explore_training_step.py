r"""Where mel-cnn's training step goes: its normalisation layers, and torch.compile.

Times one training step (forward, cross-entropy, backward, Adam) of
``make_model("mel-cnn")``'s network on a batch of 32 log-Mel images, in one
process on one torch thread, as the calling thread's CPU time (median of
interleaved blocks of 25 steps), for:

- ``eager``: the network as skaudio builds it;
- ``without GroupNorm``: the same with its GroupNorm layers removed (not an
  equivalent network: it measures what the normalisation costs);
- ``torch.compile``: the eager network through ``torch.compile`` (inductor),
  with the seconds its first step took (the compilation).

Usage::

    python benchmarks/explore_training_step.py [--rounds 6]
"""

import argparse
import copy
import time

import numpy as np
import torch
from torch import nn

import skaudio
from skaudio.experiments import make_model


def _network(rng):
    """Return the fitted mel-cnn network, a batch of its inputs and their labels."""
    model = make_model("mel-cnn", sample_rate=8000)
    X = rng.standard_normal((64, 8000)).astype(np.float32) * 0.1
    y = np.arange(64) % 10
    model.set_params(**{f"{model.steps[-1][0]}__max_epochs": 1}).fit(X, y)
    features = model[:-1].transform(X[:32])
    return (
        model.steps[-1][1].module_,
        torch.as_tensor(features),
        torch.as_tensor(y[:32]),
    )


def _without_group_norm(network):
    network = copy.deepcopy(network)
    for i, layer in enumerate(network.features):
        if isinstance(layer, nn.GroupNorm):
            network.features[i] = nn.Identity()
    return network


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    skaudio.keep_freed_memory()
    torch.manual_seed(0)
    network, xb, yb = _network(np.random.default_rng(0))
    networks = {
        "eager": copy.deepcopy(network),
        "without GroupNorm": _without_group_norm(network),
        "torch.compile": torch.compile(copy.deepcopy(network)),
    }
    optimizers = {
        k: torch.optim.Adam(n.parameters(), 1e-3) for k, n in networks.items()
    }
    loss = nn.CrossEntropyLoss()

    def step(name):
        optimizers[name].zero_grad()
        loss(networks[name](xb), yb).backward()
        optimizers[name].step()

    first = {}
    for name in networks:
        start = time.perf_counter()
        step(name)
        first[name] = time.perf_counter() - start
        for _ in range(10):
            step(name)
    times = {name: [] for name in networks}
    for _ in range(args.rounds):
        for name in networks:
            start = time.process_time()
            for _ in range(25):
                step(name)
            times[name].append((time.process_time() - start) / 25 * 1e3)
    eager = np.median(times["eager"])
    print("| network | step CPU ms (median) | × eager | first step s |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        median = np.median(values)
        print(f"| {name} | {median:.1f} | {median / eager:.2f} | {first[name]:.1f} |")


if __name__ == "__main__":
    main()
