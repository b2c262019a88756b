"""Docstring sections shared by several public classes.

A section is written once here and put into each class's docstring by
:class:`Substitution` (the mechanism of imbalanced-learn's
``imblearn.utils._docstring``), so that the parameters every classifier
accepts are documented on every classifier's and regressor's page without
being copied.
"""

import textwrap

__all__ = [
    "LABEL_ATTRIBUTES",
    "NETWORK_ATTRIBUTES",
    "Substitution",
    "TRAINING_OPTIONS",
]


class Substitution:
    r"""Decorator that replaces ``{name}`` placeholder lines in a docstring.

    A placeholder is a line holding only ``{name}``; it is replaced by the
    text given for ``name``, indented like the placeholder. Nothing else in
    the docstring is touched, so braces elsewhere (``{"a", "b"}`` choices)
    need no escaping.

    Parameters
    ----------
    **sections : dict of str to str
        Placeholder names mapped to their text.

    Examples
    --------
    >>> @Substitution(extra="b : int\n    Another one.")
    ... def f(a, b):
    ...     '''Do nothing.
    ...
    ...     Parameters
    ...     ----------
    ...     a : int
    ...         One.
    ...     {extra}
    ...     '''
    >>> print(f.__doc__.splitlines()[-3])
        b : int
    """

    def __init__(self, **sections):
        self.sections = sections

    def __call__(self, obj):
        """Return ``obj`` with its placeholders replaced."""
        lines = []
        for line in (obj.__doc__ or "").splitlines():
            name = line.strip()[1:-1]
            if line.strip() == "{" + name + "}" and name in self.sections:
                indent = line[: len(line) - len(line.lstrip())]
                text = textwrap.dedent(self.sections[name]).strip("\n")
                lines.extend(textwrap.indent(text, indent).splitlines())
            else:
                lines.append(line)
        obj.__doc__ = "\n".join(lines)
        return obj


TRAINING_OPTIONS = """\
max_epochs : int, default=30
    Number of passes over the training data; ``0`` builds the network
    (shapes inferred from the data) without training it.
batch_size : int, default=32
    Mini-batch size for training and prediction.
lr : float, default=1e-3
    Learning rate of the optimizer.
optimizer : torch optimizer class, default=torch.optim.Adam
    The optimizer, a :class:`torch.optim.Optimizer` subclass such as
    :class:`torch.optim.SGD`. Its other arguments go through
    ``optimizer__name=value``, e.g. ``optimizer__weight_decay=1e-4``.
lr_schedule : {"constant", "cosine"}, default="constant"
    ``"cosine"`` anneals the learning rate from ``lr`` to 0 over
    ``max_epochs``: one period per call of ``fit`` (with ``warm_start``
    too) or ``partial_fit``. The rest of a training recipe
    goes through skorch's parameters: ``optimizer=torch.optim.AdamW`` with
    ``optimizer__weight_decay=0.01``, and for a classifier
    ``criterion__label_smoothing=0.1`` or class weights,
    ``criterion__weight=torch.tensor([...])`` in the order of ``classes_``
    (there is no ``class_weight``).
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training data (stratified by
    class for a classifier), stop when its loss has not improved for
    ``n_iter_no_change`` epochs and restore the weights of the best epoch.
    With ``fit(X, y, groups=...)`` whole groups are held out; inside
    ``GridSearchCV`` or ``cross_validate`` the groups reach ``fit`` only
    through metadata routing (``set_fit_request(groups=True)``), else the
    split is stratified and a speaker can be on both sides (with routing on,
    ``fit`` warns of this).
    Off: train on all the data for ``max_epochs``.
validation_fraction : float, default=0.1
    Share of the training data held out when ``early_stopping=True``; with
    groups, the share of the groups (at least one), so with few groups the
    share of the examples can be much larger.
n_iter_no_change : int, default=10
    Patience of the early stopping, in epochs.
callbacks : list of skorch callbacks or None, default=None
    Extra callbacks, as in :class:`skorch.NeuralNet`, e.g.
    ``[skorch.callbacks.LRScheduler(policy="StepLR", step_size=10)]`` (with
    ``lr_schedule="constant"``: two schedules are refused).
    A classifier's scoring callbacks receive the encoded targets
    ``0 .. n_classes - 1``; compare them with
    ``predict_proba(X).argmax(axis=1)``, not with ``predict``.
warm_start : bool, default=False
    Keep the trained network between calls to ``fit``, so that each call
    trains ``max_epochs`` more epochs.
device : {"auto", "cpu", "cuda"} or str, default="auto"
    Where to train and predict; ``"auto"`` is ``"cuda"`` when a GPU is
    visible and ``"cpu"`` otherwise, decided again whenever the network is
    built or loaded (so a model saved on a GPU loads on a CPU-only machine).
random_state : int, RandomState instance or None, default=None
    Seeds weight initialisation, batch shuffling, dropout, the validation
    split and any randomness inside the network. An int gives identical
    predictions for identical data on the same device and software.
verbose : int, default=0
    ``1`` prints skorch's table of per-epoch losses and timings.
iterator_train__shuffle : bool, default=True
    Draw the training batches in a new random order each epoch (skorch's
    training DataLoader argument); prediction keeps the order of ``X``.
**kwargs : dict
    skorch's double-underscore arguments, e.g. ``module__name=value`` (a
    network argument), ``optimizer__weight_decay=1e-4``,
    ``iterator_train__num_workers=2``.
"""

LABEL_ATTRIBUTES = """\
classes_ : ndarray of shape (n_classes,)
    The labels seen in ``fit``.
label_encoder_ : sklearn.preprocessing.LabelEncoder
    Maps labels to class indices.
"""

NETWORK_ATTRIBUTES = """\
n_features_in_ : int
    Size of the second axis of the training ``X``.
module_ : torch.nn.Module
    The trained network.
history_ : skorch.history.History
    Per-epoch losses and timings.
"""

CLASSIFIER_TRAINING_OPTIONS = (
    """\
augment : list of augmentation objects or None, default=None
    Training-time augmentation from :mod:`skaudio.augment`, applied at every
    training step and never in ``predict``/``predict_proba``: waveform
    augmentations (``TimeShift``, ``RandomGain``, ``AddNoise``,
    ``SpeedPerturbation``, ``RandomFilter``, ``RandomTilt``) before the
    ``frontend``,
    spectrogram augmentations (``SpecAugment``, ``FrequencyBandGain``) on
    the features the network receives, and ``Mixup`` on each training
    batch (soft targets). Seeded by ``random_state``.
frontend : MelTransformer, MFCCTransformer, SpectrogramTransformer or None, \
default=None
    Compute the features inside the classifier, per batch, from waveforms
    ``X`` of shape ``(n_samples, [n_channels,] n_times)``; this is what lets
    waveform augmentations reach a spectrogram or sequence network. ``None``:
    ``X`` is what the network receives.
"""
    + TRAINING_OPTIONS
)
