"""The ``skaudio`` command."""

import argparse
import sys
import time
from collections import Counter

import numpy as np
import soundfile as sf

from .datasets import fetch_fsdd, load_audio_folder
from .io import AudioLoadError, WaveformLoader

__all__ = ["main"]


def _load_dataset(name):
    """Return (filenames, labels, groups or None) for ``fsdd`` or a folder."""
    if name == "fsdd":
        data = fetch_fsdd()
        return data.filenames, data.target, data.groups
    data = load_audio_folder(name)
    return data.filenames, np.asarray(data.target_names)[data.target], None


def _table(title, counts):
    width = max(len(str(k)) for k in counts)
    lines = [f"{title}:"]
    lines += [f"  {str(k):<{width}}  {v:>6}" for k, v in sorted(counts.items())]
    return "\n".join(lines)


def _describe(args):
    filenames, labels, groups = _load_dataset(args.dataset)
    loader = WaveformLoader(duration=args.duration, n_jobs=args.n_jobs)
    start = time.perf_counter()
    X = loader.fit_transform(filenames)
    elapsed = time.perf_counter() - start
    # Every file decoded above, so their headers are readable.
    infos = [sf.info(f) for f in filenames]
    seconds = np.array([i.duration for i in infos])
    print(f"{len(filenames)} files, {len(set(labels))} classes")
    print(_table("files per class", Counter(labels.tolist())))
    if groups is not None:
        print(_table("files per group", Counter(groups.tolist())))
    print(_table("sample rates (Hz)", Counter(i.samplerate for i in infos)))
    short = np.mean(seconds <= args.duration)
    print(
        f"duration (s): min {seconds.min():.3f}, median {np.median(seconds):.3f}, "
        f"max {seconds.max():.3f}; {short:.1%} at most {args.duration} s"
    )
    print(
        f"loaded into an array of shape {X.shape} ({X.dtype}, "
        f"{X.nbytes / 2**20:.1f} MiB) in {elapsed:.2f} s"
    )


def _parser():
    parser = argparse.ArgumentParser(
        prog="skaudio",
        description="Audio classification with CNNs as scikit-learn estimators.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    describe = commands.add_parser(
        "describe",
        help="summarise a data set and load it into waveforms",
        description="Count files per class and group, report sample rates and "
        "durations, and time loading every file into fixed-length waveforms.",
    )
    describe.add_argument(
        "dataset",
        help="'fsdd' (found through $SKAUDIO_DATA, else downloaded) or a folder "
        "with one sub-folder of audio files per class",
    )
    describe.add_argument(
        "--duration", type=float, default=1.0, help="seconds per clip (default 1)"
    )
    describe.add_argument(
        "--n-jobs", type=int, default=2, help="parallel decoders (default 2)"
    )
    describe.set_defaults(run=_describe)
    return parser


def main(argv=None):
    """Run the ``skaudio`` command line; return its exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success, 1 when the data could not be read.
    """
    args = _parser().parse_args(argv)
    try:
        args.run(args)
    except (AudioLoadError, FileNotFoundError, ValueError, OSError) as exc:
        print(f"skaudio: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
