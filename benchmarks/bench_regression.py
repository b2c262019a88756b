"""SI-SDR improvement of the denoiser and the separator on held-out FSDD speakers.

Training uses four FSDD speakers, evaluation the other two, never seen in
training (their babble noise and their mixtures come from the held-out
speakers only). Nothing is tuned on the test speakers: the defaults below
were fixed before the first run, and the options of the second denoiser
(``--architecture masking`` and the training options that go with it) and
of the second separator (``--separator-n-fft 512 --separator-input-norm
frequency``) were chosen on a validation split of the training speakers
(trained on three, validated on the fourth; ``explore_denoiser.py``,
``explore_separator.py``); see benchmarks/results/regression.md.

(a) WaveformDenoiser, trained on noisy speech at -5..15 dB SNR (white, pink
    and babble noise), against a classical decision-directed Wiener filter
    whose noise spectrum comes from each clip's lowest-energy frames; SI-SDRi
    at 0, 5 and 10 dB input SNR, white and babble noise.
(b) SpectrogramSeparator on two-speaker mixtures, against the ideal ratio
    mask (the references' magnitudes, mixture phase) as the upper bound.

Usage::

    SKAUDIO_DATA=/path/to/datasets nice python benchmarks/bench_regression.py \
        --threads 1 --out runs/regression.json

Each run writes one JSON file (``--out``, rewritten as each part finishes);
the recorded runs are those files, one per line, in
``benchmarks/results/regression.jsonl``.

The denoiser's options: ``--architecture {conv,masking}`` (the network),
``--loss {mse,si_sdr}``, ``--noisy-versions N`` (noisy copies of each
training clip, each with its own noise draw), ``--lr-schedule
{constant,cosine}``, ``--denoiser-batch-size``, ``--denoiser-lr`` and
``--denoiser-epochs``; their defaults reproduce the first run.

The separator's options: the training mixtures (``--mixtures``,
``--dynamic-mixing`` for fresh ones every epoch, ``--level-range`` in dB,
``--speed-range LOW HIGH`` speed perturbation of each source,
``--max-shift`` seconds of random time shift of each source,
``--same-speaker`` share of mixtures of one speaker's recordings; see
:func:`skaudio.datasets.make_speaker_mixtures`) and its training
(``--separator-n-fft``, ``--separator-input-norm``, ``--separator-dropout``,
``--separator-loss``, ``--separator-batch-size``, ``--separator-lr``,
``--separator-lr-schedule``, ``--separator-epochs``); their defaults
reproduce the first run.
"""

import argparse
import ast
import datetime
import inspect
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.utils import Bunch
from skorch.callbacks import LRScheduler

from skaudio import SpectrogramSeparator, WaveformDenoiser
from skaudio.datasets import make_noisy_speech, make_speaker_mixtures
from skaudio.metrics import si_sdr_improvement
from skaudio.nn import STFT, MaskingDenoiser

TRAIN_SPEAKERS = ["george", "jackson", "lucas", "nicolas"]
TEST_SPEAKERS = ["theo", "yweweler"]
TEST_SNRS = (0.0, 5.0, 10.0)
TEST_NOISES = ("white", "babble")


def wiener_filter(noisy, *, n_fft=256, hop_length=64, noise_frames=0.2, alpha=0.98):
    """Decision-directed Wiener filter (Ephraim and Malah, 1984) with a gain floor.

    The noise power spectrum of each clip is the mean of its ``noise_frames``
    share of lowest-energy frames; the a-priori SNR follows the
    decision-directed rule with smoothing ``alpha``, and the gain
    ``xi / (1 + xi)`` is floored at -20 dB.
    """
    stft = STFT(n_fft, hop_length)
    spec = stft(torch.from_numpy(noisy).double())
    power = spec.abs() ** 2  # (n, freqs, frames)
    n_low = max(1, int(noise_frames * power.shape[-1]))
    order = power.sum(dim=1).argsort(dim=-1)[:, :n_low]
    low = power.gather(2, order[:, None, :].expand(-1, power.shape[1], -1))
    noise_psd = low.mean(dim=-1, keepdim=True) + 1e-12
    posterior = power / noise_psd
    gains = torch.empty_like(power)
    previous = torch.zeros_like(power[..., 0])
    for t in range(power.shape[-1]):
        prior = alpha * previous + (1 - alpha) * (posterior[..., t] - 1).clamp(min=0)
        gain = (prior / (1 + prior)).clamp(min=10 ** (-20 / 20))
        gains[..., t] = gain
        previous = gain**2 * posterior[..., t]
    return stft.inverse(gains * spec, noisy.shape[-1]).float().numpy()


def ideal_ratio_mask(sources, mixture, *, n_fft, hop_length):
    """Mask the mixture with ``|S_i| / sum_j |S_j|`` to get each source."""
    stft = STFT(n_fft, hop_length)
    magnitudes = stft(torch.from_numpy(sources).double()).abs()
    masks = magnitudes / (magnitudes.sum(dim=1, keepdim=True) + 1e-12)
    spec = stft(torch.from_numpy(mixture).double()).unsqueeze(1)
    return stft.inverse(masks * spec, mixture.shape[-1]).float().numpy()


def summary(values):
    return {"mean": float(np.mean(values)), "median": float(np.median(values))}


def denoiser_network_params(architecture):
    """Return the network settings of the benchmark's denoiser for ``architecture``."""
    if architecture == "conv":
        return {
            "architecture": "conv",
            "n_layers": 6,
            "filters": 32,
            "kernel_size": 9,
            "dilation_growth": 2,
        }
    return {"architecture": "masking"}  # MaskingDenoiser's defaults


def noisy_training_clips(speakers, n_versions):
    """Return ``n_versions`` noisy copies of every clip of ``speakers``.

    Each copy has its own draw of noise type (white, pink, babble) and SNR
    (-5 to 15 dB), seeds 0, 1, ...

    Returns
    -------
    noisy, clean : ndarray of shape (n_versions * n_clips, n_times)
    """
    versions = [
        make_noisy_speech(
            speakers=speakers,
            snr=(-5.0, 0.0, 5.0, 10.0, 15.0),
            noise=("white", "pink", "babble"),
            random_state=seed,
        )
        for seed in range(n_versions)
    ]
    return (
        np.concatenate([v.noisy for v in versions]),
        np.concatenate([v.clean for v in versions]),
    )


def bench_denoiser(args, results, save):
    # the first copy (seed 0) is the training data of the first runs
    noisy, clean = noisy_training_clips(TRAIN_SPEAKERS, args.noisy_versions)
    train = Bunch(noisy=noisy, clean=clean)
    denoiser = WaveformDenoiser(
        **denoiser_network_params(args.architecture),
        loss=args.loss,
        max_epochs=args.denoiser_epochs,
        batch_size=args.denoiser_batch_size,
        lr=args.denoiser_lr,
        lr_schedule=args.lr_schedule,
        device="cpu",
        random_state=0,
        verbose=1,
    )
    start = time.perf_counter()
    denoiser.fit(train.noisy, train.clean)
    results["denoiser"] = {
        "params": {k: repr(v) for k, v in denoiser.get_params(deep=False).items()},
        "n_train": len(train.noisy),
        "noisy_versions": args.noisy_versions,
        "lr_schedule": args.lr_schedule,
        "train_seconds": time.perf_counter() - start,
        "epochs": len(denoiser.history_),
        "final_train_loss": float(denoiser.history_[-1, "train_loss"]),
        "rows": [],
    }
    # Diagnostic, not a result: the training speakers at 0 dB white noise (new
    # noise, recordings seen in training), to tell a network that does not
    # generalise to new voices from one that has not learnt to denoise.
    seen = make_noisy_speech(
        speakers=TRAIN_SPEAKERS, snr=0.0, noise="white", random_state=999
    )
    results["denoiser"]["white_0db_training_speakers"] = summary(
        si_sdr_improvement(seen.clean, denoiser.predict(seen.noisy), seen.noisy)
    )
    save()
    for k, noise in enumerate(TEST_NOISES):
        for j, snr in enumerate(TEST_SNRS):
            test = make_noisy_speech(
                speakers=TEST_SPEAKERS,
                snr=snr,
                noise=noise,
                random_state=1000 + 10 * k + j,
            )
            start = time.perf_counter()
            denoised = denoiser.predict(test.noisy)
            predict_seconds = time.perf_counter() - start
            network = si_sdr_improvement(test.clean, denoised, test.noisy)
            wiener = si_sdr_improvement(
                test.clean, wiener_filter(test.noisy), test.noisy
            )
            results["denoiser"]["rows"].append(
                {
                    "noise": noise,
                    "snr": snr,
                    "n_test": len(test.noisy),
                    "denoiser": summary(network),
                    "wiener": summary(wiener),
                    "predict_seconds": predict_seconds,
                }
            )
            save()


def cosine_schedule(epochs):
    """Return skorch callbacks that anneal the learning rate to 0 over ``epochs``.

    For training by ``partial_fit`` one epoch at a time, where the estimator's
    ``lr_schedule="cosine"`` would anneal over each call's single epoch.
    """
    return [
        LRScheduler(policy=torch.optim.lr_scheduler.CosineAnnealingLR, T_max=epochs)
    ]


def separator_training_mixtures(args, seed):
    """Training mixtures of the training speakers, drawn with ``seed``."""
    return make_speaker_mixtures(
        args.mixtures,
        speakers=TRAIN_SPEAKERS,
        level_range=args.level_range,
        speed_range=args.speed_range,
        max_shift=args.max_shift,
        same_speaker=args.same_speaker,
        random_state=seed,
    )


def bench_separator(args, results, save):
    test = make_speaker_mixtures(1000, speakers=TEST_SPEAKERS, random_state=1)
    separator = SpectrogramSeparator(
        n_fft=args.separator_n_fft,
        hop_length=64,
        loss=args.separator_loss,
        input_norm=args.separator_input_norm,
        dropout=args.separator_dropout,
        max_epochs=1 if args.dynamic_mixing else args.separator_epochs,
        batch_size=args.separator_batch_size,
        lr=args.separator_lr,
        callbacks=cosine_schedule(args.separator_epochs)
        if args.separator_lr_schedule == "cosine"
        else None,
        device="cpu",
        random_state=0,
        verbose=1,
    )
    start = time.perf_counter()
    if args.dynamic_mixing:
        # one epoch on each fresh draw (seeds 0, 1, ...); the LRScheduler
        # resumes its schedule from the history at every partial_fit
        for epoch in range(args.separator_epochs):
            train = separator_training_mixtures(args, epoch)
            separator.partial_fit(train.mixture, train.sources)
    else:
        train = separator_training_mixtures(args, 0)
        separator.fit(train.mixture, train.sources)
    train_seconds = time.perf_counter() - start
    estimate = separator.predict(test.mixture)
    network = si_sdr_improvement(
        test.sources, estimate, test.mixture, permutation_invariant=True
    )
    # the upper bound on the first runs' STFT, and on the separator's own
    irm, irm_same_stft = (
        si_sdr_improvement(
            test.sources,
            ideal_ratio_mask(test.sources, test.mixture, n_fft=n_fft, hop_length=64),
            test.mixture,
        )
        for n_fft in (256, args.separator_n_fft)
    )
    # Diagnostic, not a result: new mixtures of the training speakers (their
    # recordings were seen in training), to tell overfitting to the speakers
    # from a network that does not separate at all.
    seen = make_speaker_mixtures(1000, speakers=TRAIN_SPEAKERS, random_state=2)
    seen_improvement = si_sdr_improvement(
        seen.sources,
        separator.predict(seen.mixture),
        seen.mixture,
        permutation_invariant=True,
    )
    results["separator"] = {
        "params": {k: repr(v) for k, v in separator.get_params(deep=False).items()},
        "n_train": len(train.mixture),
        "dynamic_mixing": args.dynamic_mixing,
        "level_range": args.level_range,
        "speed_range": args.speed_range,
        "max_shift": args.max_shift,
        "same_speaker": args.same_speaker,
        "lr_schedule": args.separator_lr_schedule,
        "n_test": len(test.mixture),
        "train_seconds": train_seconds,
        "epochs": len(separator.history_),
        "final_train_loss": float(separator.history_[-1, "train_loss"]),
        "separator": summary(network),
        "ideal_ratio_mask": summary(irm),
        "ideal_ratio_mask_same_stft": summary(irm_same_stft),
        "separator_training_speakers": summary(seen_improvement),
    }
    save()


def describe_denoiser(params):
    """One line on the denoiser's network, from its saved ``get_params``."""
    if params.get("architecture", repr("conv")) == repr("conv"):
        return (
            "6 same-padded Conv1d layers (32 filters, kernel 9, dilation 1, 2, "
            "4, ..., 32), batch norm, residual"
        )
    defaults = inspect.signature(MaskingDenoiser).parameters
    value = {
        name: defaults[name].default
        if params.get(name, "None") == "None"
        else ast.literal_eval(params[name])
        for name in (
            "encoder_channels",
            "encoder_stride",
            "n_layers",
            "n_repeats",
            "filters",
            "kernel_size",
            "dilation_growth",
            "norm",
        )
    }
    dilations = ", ".join(
        str(value["dilation_growth"] ** i) for i in range(value["n_layers"])
    )
    return (
        f"masking (Conv-TasNet-like): Conv1d encoder ({value['encoder_channels']} "
        f"filters of {2 * value['encoder_stride']} samples, hop "
        f"{value['encoder_stride']}), {value['n_repeats']} x {value['n_layers']} "
        f"residual blocks of {value['filters']} channels (kernel "
        f"{value['kernel_size']} frames, dilations {dilations}; {value['norm']} "
        "norm) predicting a sigmoid mask, ConvTranspose1d decoder"
    )


def describe_separator(params):
    """Describe the separator's STFT and branches from its saved ``get_params``."""
    defaults = inspect.signature(SpectrogramSeparator).parameters
    value = {
        name: ast.literal_eval(params[name])
        if name in params
        else defaults[name].default
        for name in (
            "n_fft",
            "kernel_sizes",
            "widths",
            "n_layers",
            "dropout",
            "input_norm",
        )
    }
    kernels = ", ".join(str(k) for k in value["kernel_sizes"])
    widths = value["widths"]
    if isinstance(widths, tuple | list):
        widths = ", ".join(str(w) for w in widths)
    norm = (
        "each frequency bin standardised over the frames"
        if value["input_norm"] == "frequency"
        else "standardised over all bins and frames"
    )
    return (
        f"STFT {value['n_fft']}/64, log magnitudes {norm}, "
        f"{len(value['kernel_sizes'])} Conv1D branches (kernels "
        f"{kernels} frames, {widths} channels, {value['n_layers']} layers each"
        + (f", dropout {value['dropout']:g}" if value["dropout"] else "")
        + ")"
    )


def report(results):
    """Markdown tables of a results dict (as saved in the JSON file)."""
    header = [
        "Command: "
        f"`{results['command']}`. Date: {results['date']}. Machine: 2-core "
        f"x86_64 VM, no GPU, shared with other jobs ({results['machine']}, "
        f"torch {results['torch']}).",
        "",
        f"Training speakers: {', '.join(results['train_speakers'])}; test "
        f"speakers (never seen in training): {', '.join(results['test_speakers'])}. "
        "Clips of 0.5 s at 8 kHz. Means (medians) over the test clips, in dB.",
    ]
    lines = []
    den = results.get("denoiser")
    if den:
        lines += ["## WaveformDenoiser against a Wiener filter", "", *header]
        versions = den.get("noisy_versions", 1)
        lines += [
            "",
            f"Trained on {den['n_train']} noisy clips of the training speakers "
            + (
                f"({versions} noisy versions of each recording) "
                if versions > 1
                else ""
            )
            + "(SNR drawn from -5, 0, 5, 10, 15 dB; white, pink or babble noise) "
            f"in {den['train_seconds'] / 60:.1f} min. Network: "
            f"{describe_denoiser(den['params'])}; "
            f"{'SI-SDR loss' if den['params'].get('loss') == repr('si_sdr') else 'MSE'}"
            f", Adam {ast.literal_eval(den['params'].get('lr', '0.001')):g}"
            + (
                " with cosine annealing to 0"
                if den.get("lr_schedule") == "cosine"
                else ""
            )
            + f", batch {den['params']['batch_size']}, "
            f"{den.get('epochs', den['params']['max_epochs'])} epochs. "
            "Baseline: decision-directed Wiener filter (noise spectrum from "
            "each clip's 20 % lowest-energy frames, smoothing 0.98, gain "
            "floor -20 dB). Babble noise of the test clips comes from the test "
            "speakers.",
            "",
            "| noise | input SNR | test clips | denoiser SI-SDRi | Wiener SI-SDRi |",
            "|---|---|---|---|---|",
        ]
        for row in den["rows"]:
            lines.append(
                f"| {row['noise']} | {row['snr']:.0f} dB | {row['n_test']} | "
                f"{row['denoiser']['mean']:+.2f} ({row['denoiser']['median']:+.2f}) | "
                f"{row['wiener']['mean']:+.2f} ({row['wiener']['median']:+.2f}) |"
            )
        white0 = [r for r in den["rows"] if r["noise"] == "white" and r["snr"] == 0][0][
            "denoiser"
        ]["mean"]
        behind = [
            f"{r['noise']} {r['snr']:.0f} dB"
            for r in den["rows"]
            if r["denoiser"]["mean"] <= r["wiener"]["mean"]
        ]
        seen = den.get("white_0db_training_speakers")
        if seen:
            lines += [
                "",
                "Diagnostic: at 0 dB white noise on the *training* speakers "
                "(their recordings seen in training, new noise) the same "
                f"denoiser gains {seen['mean']:+.2f} ({seen['median']:+.2f}) dB.",
            ]
        lines += [
            "",
            f"Goal ≥ +8 dB at 0 dB white noise: **{'met' if white0 >= 8 else 'not met'}"
            f"** ({white0:+.2f} dB). Goal above the Wiener filter at every SNR: "
            f"**{'met' if not behind else 'not met'}**"
            + (f" (not above it at {', '.join(behind)})" if behind else "")
            + ".",
        ]
    sep = results.get("separator")
    if sep:
        irm = sep["ideal_ratio_mask"]
        seen = sep.get("separator_training_speakers")
        if den:
            lines.append("")
        lines += ["## SpectrogramSeparator against the ideal ratio mask", "", *header]
        params = sep["params"]
        perturbed = ""
        if sep.get("speed_range"):
            low, high = sep["speed_range"]
            perturbed += f", each source's speed drawn in {low:g}-{high:g}x"
        if sep.get("max_shift"):
            perturbed += f", shifted by up to ±{sep['max_shift']:g} s"
        if sep.get("same_speaker"):
            perturbed += (
                f", {sep['same_speaker']:.0%} of them two recordings of one speaker"
            )
        drawn = (
            f"{sep['n_train']} fresh two-speaker mixtures of the training speakers "
            "every epoch"
            if sep.get("dynamic_mixing")
            else f"{sep['n_train']} two-speaker mixtures of the training speakers"
        )
        lines += [
            "",
            f"Trained on {drawn} "
            f"(levels within ±{sep.get('level_range', 5.0) / 2:g} dB"
            f"{perturbed}) in {sep['train_seconds'] / 60:.1f} "
            "min; tested on "
            f"{sep['n_test']} mixtures of the two test speakers. Network: "
            f"{describe_separator(params)}, softmax masks, mixture phase; "
            "permutation-invariant "
            f"{'SI-SDR loss' if params.get('loss') == repr('si_sdr') else 'MSE'}, "
            f"Adam {ast.literal_eval(params.get('lr', '0.001')):g}"
            + (
                " with cosine annealing to 0"
                if sep.get("lr_schedule") == "cosine"
                else ""
            )
            + f", batch {params['batch_size']}, "
            f"{sep.get('epochs', params['max_epochs'])} epochs. "
            "Upper bound: the ideal ratio mask |S_i| / (|S_1| + |S_2|) on an "
            "STFT with the mixture phase.",
            "",
            "| method | SI-SDRi |",
            "|---|---|",
            f"| SpectrogramSeparator | {sep['separator']['mean']:+.2f} "
            f"({sep['separator']['median']:+.2f}) |",
            f"| ideal ratio mask (upper bound), STFT 256/64 | {irm['mean']:+.2f} "
            f"({irm['median']:+.2f}) |",
            *(
                [
                    f"| ideal ratio mask, the separator's STFT "
                    f"| {same['mean']:+.2f} ({same['median']:+.2f}) |"
                ]
                if (same := sep.get("ideal_ratio_mask_same_stft"))
                and params.get("n_fft", "256") != "256"
                else []
            ),
            "",
            f"Goal ≥ +6 dB: **{'met' if sep['separator']['mean'] >= 6 else 'not met'}"
            f"** ({sep['separator']['mean']:+.2f} dB).",
        ]
        if seen:
            lines += [
                "",
                "Diagnostic: on 1,000 new mixtures of the *training* speakers (new "
                "pairings of recordings seen in training) the same separator gains "
                f"{seen['mean']:+.2f} ({seen['median']:+.2f}) dB.",
            ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--denoiser-epochs", type=int, default=25)
    parser.add_argument(
        "--architecture",
        choices=("conv", "masking"),
        default="conv",
        help="the denoiser's network (conv: the first benchmark's settings)",
    )
    parser.add_argument("--loss", choices=("mse", "si_sdr"), default="mse")
    parser.add_argument("--denoiser-batch-size", type=int, default=32)
    parser.add_argument("--denoiser-lr", type=float, default=1e-3)
    parser.add_argument(
        "--noisy-versions",
        type=int,
        default=1,
        help="noisy copies of each training clip (new noise, SNR and type each)",
    )
    parser.add_argument(
        "--lr-schedule", choices=("constant", "cosine"), default="constant"
    )
    parser.add_argument("--separator-epochs", type=int, default=30)
    parser.add_argument("--mixtures", type=int, default=4000)
    parser.add_argument(
        "--level-range",
        type=float,
        default=5.0,
        help="the separator's training mixtures: source levels within ± half this, dB",
    )
    parser.add_argument(
        "--speed-range",
        type=float,
        nargs=2,
        metavar=("LOW", "HIGH"),
        help="speed perturbation of each training source (e.g. 0.85 1.15)",
    )
    parser.add_argument(
        "--max-shift",
        type=float,
        default=0.0,
        help="random time shift of each training source, in seconds",
    )
    parser.add_argument(
        "--dynamic-mixing",
        action="store_true",
        help="draw --mixtures fresh separator training mixtures every epoch",
    )
    parser.add_argument(
        "--same-speaker",
        type=float,
        default=0.0,
        help="share of the separator's training mixtures made of one speaker",
    )
    parser.add_argument(
        "--separator-input-norm", choices=("sample", "frequency"), default="sample"
    )
    parser.add_argument("--separator-dropout", type=float, default=0.0)
    parser.add_argument("--separator-n-fft", type=int, default=256)
    parser.add_argument("--separator-loss", choices=("mse", "si_sdr"), default="mse")
    parser.add_argument("--separator-batch-size", type=int, default=32)
    parser.add_argument("--separator-lr", type=float, default=1e-3)
    parser.add_argument(
        "--separator-lr-schedule", choices=("constant", "cosine"), default="constant"
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", choices=("denoiser", "separator"))
    parser.add_argument("--out", default="runs/regression.json")
    parser.add_argument(
        "--report",
        metavar="JSON",
        nargs="+",
        help="print the Markdown tables of results files and exit",
    )
    args = parser.parse_args()
    if args.report:
        print("# Denoising and separation: SI-SDR improvement on held-out speakers")
        print("\nScript: `benchmarks/bench_regression.py`.")
        for path in args.report:
            with open(path) as f:
                print("\n" + report(json.load(f)), end="")
        return
    torch.set_num_threads(args.threads)
    results = {
        "command": "python " + " ".join(sys.argv),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch thread(s)",
        "torch": torch.__version__,
        "train_speakers": TRAIN_SPEAKERS,
        "test_speakers": TEST_SPEAKERS,
    }

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)

    def save():
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)

    if args.only != "separator":
        bench_denoiser(args, results, save)
    if args.only != "denoiser":
        bench_separator(args, results, save)


if __name__ == "__main__":
    main()
