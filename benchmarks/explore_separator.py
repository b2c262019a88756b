"""Compare separator settings on a validation split of the TRAINING speakers.

The held-out test speakers of ``bench_regression.py`` (theo, yweweler) are
never used here. The separator trains on mixtures of george, jackson and
lucas (their takes 10-49), and is validated on mixtures that contain the
fourth training speaker, nicolas (all his takes), mixed with a take 0-9 of
one of the three (a voice seen in training, recordings not seen): one new
voice per mixture, as close to the test (two new voices) as four speakers
allow. Mixtures of two of the three from their unseen takes are scored too,
as a diagnostic. The split is made with two folders of symbolic links to
the FSDD recordings (a ``data_home`` each), so the public
:func:`~skaudio.datasets.make_speaker_mixtures` draws from them.

Each run appends one JSON line to ``results/separator_validation.jsonl``:
the setting, training time, and the mean SI-SDRi of the separator and of the
ideal ratio mask on the validation mixtures.

Usage (one setting per call, as JSON; ``mixtures``, ``epochs``, ``cosine``,
``level_range``, ``speed_range``, ``max_shift``, ``same_speaker`` and
``dynamic`` (fresh
mixtures every epoch) describe the training, ``frequency_branch`` adds a
2-D branch to the network (:class:`FrequencyBranchSeparator`), ``curve`` asks for the
validation scores after every epoch (training one epoch per ``partial_fit``
call); any other key is a :class:`~skaudio.SpectrogramSeparator`
parameter)::

    SKAUDIO_DATA=/path/to/datasets nice python benchmarks/explore_separator.py
    '{"name": "aug", "mixtures": 6000, "epochs": 10, "cosine": true,
    "level_range": 10, "speed_range": [0.85, 1.15], "max_shift": 0.1}'

(one command line, written on three here).
"""

import inspect
import json
import sys
import tempfile
import time
from pathlib import Path

import torch
from bench_regression import cosine_schedule, ideal_ratio_mask
from torch import nn

from skaudio import SpectrogramSeparator
from skaudio.datasets import load_fsdd, make_speaker_mixtures
from skaudio.metrics import si_sdr_improvement
from skaudio.nn import MaskSeparator

TRAIN = ["george", "jackson", "lucas"]
VALIDATION = "nicolas"
VALIDATION_TAKES = range(10)  # takes of TRAIN held out for the validation mixtures
RESULTS = Path(__file__).parent / "results" / "separator_validation.jsonl"


class FrequencyBranchSeparator(MaskSeparator):
    """MaskSeparator plus a 2-D branch whose convolutions slide along frequency.

    Five ``Conv2d(5 x 3)`` layers of 8 channels with frequency dilations 1,
    2, 4, 8 and 16 (so a harmonic pattern shifted in pitch gives the same
    response, shifted), batch norm and ReLU, then a 1x1 convolution to one
    logit map per source, added to the Conv1D branches' logits before the
    softmax. An experiment (``"frequency_branch": true``), not in skaudio.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        layers, previous = [], 1
        for dilation in (1, 2, 4, 8, 16):
            layers += [
                nn.Conv2d(
                    previous,
                    8,
                    (5, 3),
                    padding=(2 * dilation, 1),
                    dilation=(dilation, 1),
                ),
                nn.BatchNorm2d(8),
                nn.ReLU(),
            ]
            previous = 8
        self.frequency_branch = nn.Sequential(*layers, nn.Conv2d(8, self.n_sources, 1))

    def masks(self, mixture_spec):
        """Return the masks: the 2-D branch's logits added to the Conv1D ones."""
        features = self.standardize(torch.log(mixture_spec.abs() + 1e-6))
        logits = self.to_masks(self.branches(features)).reshape(
            features.shape[0], self.n_sources, *features.shape[1:]
        )
        logits = logits + self.frequency_branch(features.unsqueeze(1))
        if self.mask == "softmax":
            return torch.softmax(logits, dim=1)
        return torch.sigmoid(logits)


# skorch builds the network from the parameters __init__ names.
FrequencyBranchSeparator.__init__.__signature__ = inspect.signature(
    MaskSeparator.__init__
)


class SeparatorWithFrequencyBranch(SpectrogramSeparator):
    """SpectrogramSeparator with :class:`FrequencyBranchSeparator` as its network."""

    _module_factory = staticmethod(FrequencyBranchSeparator)


def split_homes(root):
    """Two data homes of symbolic links: the training and the validation clips."""
    fsdd = load_fsdd()
    homes = {}
    for name in ("train", "validation"):
        folder = Path(root) / name / "fsdd" / "recordings"
        folder.mkdir(parents=True)
        homes[name] = folder.parent.parent
    for path, speaker, take in zip(fsdd.filenames, fsdd.groups, fsdd.take, strict=True):
        path = Path(path)
        if speaker == VALIDATION or (speaker in TRAIN and take in VALIDATION_TAKES):
            (homes["validation"] / "fsdd" / "recordings" / path.name).symlink_to(path)
        elif speaker in TRAIN:
            (homes["train"] / "fsdd" / "recordings" / path.name).symlink_to(path)
    return homes


def main(
    name,
    mixtures,
    epochs,
    cosine=False,
    level_range=5.0,
    speed_range=None,
    max_shift=0.0,
    same_speaker=0.0,
    dynamic=False,
    curve=False,
    frequency_branch=False,
    **params,
):
    """Train one setting, validate it and append its JSON line."""
    root = tempfile.TemporaryDirectory()
    homes = split_homes(root.name)

    def training_mixtures(seed):
        return make_speaker_mixtures(
            mixtures,
            homes["train"],
            speakers=TRAIN,
            level_range=level_range,
            speed_range=speed_range,
            max_shift=max_shift,
            same_speaker=same_speaker,
            random_state=seed,
        )

    validation = make_speaker_mixtures(
        800, homes["validation"], speakers=[*TRAIN, VALIDATION], random_state=500
    )
    estimator = (
        SeparatorWithFrequencyBranch if frequency_branch else SpectrogramSeparator
    )
    separator = estimator(
        max_epochs=1 if dynamic or curve else epochs,
        device="cpu",
        random_state=0,
        callbacks=cosine_schedule(epochs) if cosine else None,
        verbose=1,
        **params,
    )
    new_voice = (validation.speakers == VALIDATION).any(axis=1)

    def validate():
        return si_sdr_improvement(
            validation.sources,
            separator.predict(validation.mixture),
            validation.mixture,
            permutation_invariant=True,
        )

    start = time.perf_counter()
    validation_seconds = 0.0
    scores_per_epoch = []
    if dynamic or curve:
        # one epoch per partial_fit (on a fresh draw if dynamic); the
        # LRScheduler resumes its schedule from the history at every call,
        # and torch's global generator, seeded here, shuffles the batches
        torch.manual_seed(0)
        train = training_mixtures(0)
        for epoch in range(epochs):
            if dynamic:
                train = training_mixtures(epoch)
            separator.partial_fit(train.mixture, train.sources)
            if curve:
                tic = time.perf_counter()
                scores = validate()
                scores_per_epoch.append(
                    [
                        round(float(scores[new_voice].mean()), 2),
                        round(float(scores[~new_voice].mean()), 2),
                    ]
                )
                print("validation [new voice, seen voices]:", scores_per_epoch[-1])
                validation_seconds += time.perf_counter() - tic
    else:
        train = training_mixtures(0)
        separator.fit(train.mixture, train.sources)
    train_seconds = time.perf_counter() - start - validation_seconds
    root.cleanup()
    network = validate()
    irm = si_sdr_improvement(
        validation.sources,
        ideal_ratio_mask(
            validation.sources,
            validation.mixture,
            n_fft=separator.n_fft,
            hop_length=separator.hop_length,
        ),
        validation.mixture,
    )
    record = {
        "name": name,
        "mixtures": mixtures,
        "epochs": epochs,
        "cosine": cosine,
        "level_range": level_range,
        "speed_range": speed_range,
        "max_shift": max_shift,
        "same_speaker": same_speaker,
        "dynamic": dynamic,
        "frequency_branch": frequency_branch,
        "params": params,
        "train_min": round(train_seconds / 60, 1),
        "final_loss": float(separator.history_[-1, "train_loss"]),
        "n_new_voice": int(new_voice.sum()),
        "n_seen_voices": int((~new_voice).sum()),
        # [separator, ideal ratio mask] mean SI-SDRi in dB
        "new_voice": [
            round(float(network[new_voice].mean()), 2),
            round(float(irm[new_voice].mean()), 2),
        ],
        "seen_voices": [
            round(float(network[~new_voice].mean()), 2),
            round(float(irm[~new_voice].mean()), 2),
        ],
    }
    if curve:
        # [new voice, seen voices] mean SI-SDRi after each epoch
        record["per_epoch"] = scores_per_epoch
    print(json.dumps(record), flush=True)
    with open(RESULTS, "a") as f:
        f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main(**json.loads(sys.argv[1]))
