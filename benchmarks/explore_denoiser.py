"""Compare denoiser settings on a validation split of the TRAINING speakers.

The held-out test speakers of ``bench_regression.py`` (theo, yweweler) are
never used here: the denoiser trains on george, jackson and lucas and is
validated on nicolas (250 of his clips per setting; his babble noise comes
from the three others). Used to choose the options of the masking denoiser
run in ``bench_regression.py``; each run appends one JSON line (the setting,
training time, ``[denoiser, Wiener]`` mean SI-SDRi per noise and SNR, and
the share of clips each makes worse).

Usage (one setting per call, as JSON; any other keys are
:class:`~skaudio.WaveformDenoiser` parameters)::

    SKAUDIO_DATA=/path/to/datasets nice python benchmarks/explore_denoiser.py
    '{"name": "mask-sisdr-b8", "epochs": 8, "versions": 1, "cosine": true,
    "batch_size": 8, "architecture": "masking", "loss": "si_sdr"}'

(one command line, written on three here).
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from bench_regression import noisy_training_clips, wiener_filter

from skaudio import WaveformDenoiser
from skaudio.datasets import make_noisy_speech
from skaudio.metrics import si_sdr_improvement

TRAIN = ["george", "jackson", "lucas"]
VALIDATION = "nicolas"
RESULTS = Path(__file__).parent / "results" / "denoiser_validation.jsonl"


def validation_sets():
    """Every other clip of the validation speaker, per noise type and SNR."""
    sets = []
    for k, noise in enumerate(("white", "babble")):
        for j, snr in enumerate((0.0, 5.0, 10.0)):
            data = make_noisy_speech(
                speakers=[*TRAIN, VALIDATION],
                snr=snr,
                noise=noise,
                random_state=500 + 10 * k + j,
            )
            index = np.flatnonzero(data.groups == VALIDATION)[::2]
            sets.append((noise, snr, data.noisy[index], data.clean[index]))
    return sets


def main(name, epochs, versions, cosine, batch_size=32, **params):
    """Train one setting, validate it and append its JSON line."""
    X, y = noisy_training_clips(TRAIN, versions)
    denoiser = WaveformDenoiser(
        max_epochs=epochs,
        batch_size=batch_size,
        lr_schedule="cosine" if cosine else "constant",
        device="cpu",
        random_state=0,
        verbose=0,
        **params,
    )
    start = time.perf_counter()
    denoiser.fit(X, y)
    train_seconds = time.perf_counter() - start
    rows, worse = {}, {}
    for noise, snr, noisy, clean in validation_sets():
        network = si_sdr_improvement(clean, denoiser.predict(noisy), noisy)
        wiener = si_sdr_improvement(clean, wiener_filter(noisy), noisy)
        key = f"{noise}{snr:.0f}"
        rows[key] = (round(float(network.mean()), 2), round(float(wiener.mean()), 2))
        # The share of clips each method makes worse (SI-SDRi below 0 dB).
        worse[key] = (
            round(float(np.mean(network < 0)), 3),
            round(float(np.mean(wiener < 0)), 3),
        )
    record = {
        "name": name,
        "epochs": epochs,
        "batch_size": batch_size,
        "versions": versions,
        "cosine": cosine,
        "params": params,
        "n_train": len(X),
        "train_min": round(train_seconds / 60, 1),
        "final_loss": float(denoiser.history_[-1, "train_loss"]),
        "val": rows,
        "val_worse": worse,
    }
    print(json.dumps(record), flush=True)
    with open(RESULTS, "a") as f:
        f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main(**json.loads(sys.argv[1]))
