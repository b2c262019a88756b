"""Data larger than memory: audio files decoded batch by batch during training.

``WaveformLoader(lazy=True)`` returns a :class:`LazyAudio` instead of an
array: the file paths, the fitted loader, and the stateless steps that
follow it in a pipeline (:class:`~skaudio.preprocessing.PerSampleNormalizer`,
:class:`~skaudio.features.MelTransformer`, ...), each recorded instead of run.
The classifiers turn it into a torch Dataset whose batches are decoded and
transformed when the DataLoader asks for them, in its worker processes when
``iterator_train__num_workers`` (``iterator_valid__num_workers`` for
prediction) is set. Only one batch per worker is in memory at a time, and
every batch goes through the same code as the in-memory pipeline, so the
examples, and a seeded fit, are identical.
"""

import copy
import functools
from numbers import Integral

import numpy as np
import torch

from ._waveforms import sample_rate_of

__all__ = ["LazyAudio"]


class LazyAudio:
    """Audio files, and the pipeline steps that turn them into examples, run on demand.

    What :class:`~skaudio.io.WaveformLoader` returns with ``lazy=True``. The
    stateless skaudio transformers that follow it in a pipeline append
    themselves to ``steps`` instead of computing, and the classifiers
    read it batch by batch (see :meth:`dataset`), so a pipeline trains on
    more clips than fit in memory. The first example is computed at once
    (:meth:`peek`): it gives :attr:`shape` and :attr:`sample_rate`, and every
    step and the classifier check their settings on it, so a mistake is
    reported when the pipeline is built, not in a DataLoader worker.

    Indexing follows numpy: an integer gives one example, a slice, an
    integer array or a boolean mask gives a :class:`LazyAudio` over those
    files. Conversion to an array (``np.asarray``) is refused, so that a
    step that cannot take lazy input fails with a clear message instead of
    loading every file; call :meth:`load` to compute examples explicitly.

    Parameters
    ----------
    paths : array-like of shape (n_samples,)
        Audio file paths.
    loader : WaveformLoader
        A fitted loader with ``lazy=False`` that decodes a batch of paths.
    steps : sequence of transformers, default=()
        Fitted transformers applied in order to each decoded batch.

    Attributes
    ----------
    paths : ndarray of shape (n_samples,)
        The file paths (object dtype).
    loader : WaveformLoader
        The loader.
    steps : tuple of transformers
        The recorded steps.

    See Also
    --------
    skaudio.io.WaveformLoader : Returns a LazyAudio when ``lazy=True``.

    Examples
    --------
    >>> import numpy as np, soundfile as sf
    >>> from skaudio import MelTransformer, WaveformLoader
    >>> for name in ("a.wav", "b.wav", "c.wav"):
    ...     sf.write(name, np.zeros(8000), 8000)
    >>> X = WaveformLoader(sample_rate=8000, lazy=True).fit_transform(
    ...     ["a.wav", "b.wav", "c.wav"])
    >>> X
    LazyAudio(n_samples=3, steps=[])
    >>> mel = MelTransformer(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32)
    >>> Xt = mel.fit_transform(X)
    >>> Xt.shape
    (3, 1, 32, 63)
    >>> Xt.load(slice(0, 2)).shape
    (2, 1, 32, 63)
    """

    def __init__(self, paths, loader, steps=()):
        self.paths = np.asarray(paths, dtype=object)
        if self.paths.ndim != 1:
            raise ValueError(
                f"paths must be 1-D, got an array of shape {self.paths.shape}."
            )
        self.loader = loader
        self.steps = tuple(steps)
        self._first = None
        # Shape of the first file's waveform, which every batch must match.
        self._waveform_shape = None

    def __len__(self):
        return len(self.paths)

    def __repr__(self):
        names = ", ".join(type(step).__name__ for step in self.steps)
        return f"LazyAudio(n_samples={len(self)}, steps=[{names}])"

    def peek(self):
        """Compute the first example (once; it is kept).

        Returns
        -------
        first : ndarray of shape (1, ...)
            The first example, as the in-memory pipeline would give it (a
            :class:`~skaudio.Waveforms` array while the steps keep the
            sample rate).
        """
        if self._first is None:
            if not len(self):
                raise ValueError("LazyAudio holds no files.")
            self._first = self.load(slice(0, 1))
        return self._first

    @property
    def shape(self):
        """``(n_samples, *example_shape)``, the first example's shape (tuple)."""
        return (len(self), *self.peek().shape[1:])

    @property
    def sample_rate(self):
        """Rate of the examples while they are waveforms, else ``None`` (int)."""
        return sample_rate_of(self.peek())

    def load(self, indices=None):
        """Decode the files and run the steps now.

        Parameters
        ----------
        indices : int array, slice, boolean mask or None, default=None
            Which examples; ``None`` loads them all (into memory).

        Returns
        -------
        X : ndarray of shape (n_selected, ...)
            The examples, as the same pipeline with ``lazy=False`` gives them.
        """
        paths = self.paths if indices is None else self.paths[indices]
        X = self.loader.transform(paths)
        if self._waveform_shape is None:
            first = (
                X
                if paths[0] == self.paths[0]
                else self.loader.transform(self.paths[:1])
            )
            self._waveform_shape = first.shape[1:]
        if X.shape[1:] != self._waveform_shape:
            # The loader checks the files of one call against each other;
            # this checks them against the first file of all.
            raise ValueError(
                f"'{paths[0]}' and the files of its batch give waveforms of "
                f"shape {X.shape[1:]}, but the first file '{self.paths[0]}' gives "
                f"{self._waveform_shape}. Set WaveformLoader's duration to give "
                "every clip one length."
            )
        for step in self.steps:
            X = step.transform(X)
        return X

    def then(self, step):
        """Return a LazyAudio that also applies ``step``.

        ``step`` (copied) runs on the first example at once, so that it
        checks its settings and the input now.

        Parameters
        ----------
        step : transformer
            A fitted, stateless transformer of arrays.

        Returns
        -------
        lazy : LazyAudio
            The same files with ``step`` appended to ``steps``.
        """
        step = copy.deepcopy(step)
        lazy = LazyAudio(self.paths, self.loader, (*self.steps, step))
        lazy._first = step.transform(self.peek())
        lazy._waveform_shape = self._waveform_shape
        return lazy

    def __getitem__(self, key):
        if isinstance(key, Integral):
            return self.load([key])[0]
        paths = self.paths[key]
        if paths.ndim != 1:
            raise IndexError(
                f"LazyAudio takes an integer, a slice, an integer array or a "
                f"boolean mask, got {key!r}."
            )
        return LazyAudio(paths, self.loader, self.steps)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"{self!r} is computed batch by batch (WaveformLoader(lazy=True)); "
            "only the stateless skaudio transformers and the skaudio classifiers "
            "take it. Call .load() to compute every example in memory, or use "
            "WaveformLoader(lazy=False)."
        )

    def dataset(self, y=None, *, example_shape=None):
        """Return a torch Dataset that decodes a whole batch per request.

        The skaudio classifiers call it (through skorch's ``get_dataset``);
        it also serves any torch or skorch training loop.

        Parameters
        ----------
        y : array-like of shape (n_samples,), default=None
            Targets; ``None`` gives ``0`` for each example (prediction).
        example_shape : tuple of int, default=None
            Shape each example is reshaped to (with the same number of
            values), e.g. with the channel axis a network expects; ``None``
            keeps the first example's shape.

        Returns
        -------
        dataset : torch.utils.data.Dataset
            ``(x, y)`` pairs of a float32 tensor of ``example_shape`` and a
            target tensor. It defines ``__getitems__``, so that a
            DataLoader decodes each batch's files in one call, in its worker.
        """
        return _LazyAudioDataset(self, y, example_shape)


class _LazyAudioDataset(torch.utils.data.Dataset):
    """Batches of a :class:`LazyAudio` as ``(x, y)`` tensor pairs."""

    def __init__(self, lazy, y, example_shape):
        first_shape = lazy.peek().shape[1:]
        if example_shape is None:
            example_shape = first_shape
        example_shape = tuple(example_shape)
        if np.prod(example_shape) != np.prod(first_shape):
            raise ValueError(
                f"Cannot reshape examples of shape {first_shape} to {example_shape}."
            )
        if y is not None:
            y = np.asarray(y)
            if len(y) != len(lazy):
                raise ValueError(
                    f"y has {len(y)} targets for {len(lazy)} files: they must match."
                )
        self.lazy = lazy
        self.y = y
        self.example_shape = example_shape

    def __len__(self):
        return len(self.lazy)

    def __getitem__(self, index):
        return self.__getitems__([index])[0]

    def __getitems__(self, indices):
        X = self.lazy.load(indices)
        X = np.require(X, np.float32, ["C", "W"]).reshape(len(X), *self.example_shape)
        X = torch.from_numpy(np.asarray(X))
        if self.y is None:
            y = torch.zeros(len(X), dtype=torch.int64)
        else:
            y = torch.as_tensor(self.y[indices])
        return list(zip(X, y, strict=True))


def defer_when_lazy(transform):
    """Make a stateless ``transform`` record itself on a :class:`LazyAudio`.

    Decorates the ``transform`` method of a transformer whose output for a
    clip depends on nothing but the clip, so that it can run batch by batch.
    """

    @functools.wraps(transform)
    def wrapper(self, X, *args, **kwargs):
        if isinstance(X, LazyAudio):
            return X.then(self)
        return transform(self, X, *args, **kwargs)

    return wrapper
