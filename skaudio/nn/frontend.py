"""A network behind a feature front end and training-only augmentation."""

from torch import nn

__all__ = ["AugmentedNetwork"]


class AugmentedNetwork(nn.Module):
    """Waveform augmentation → feature front end → feature augmentation → network.

    The augmentations run only in training mode, so that evaluation and
    prediction see the plain front end and network. Putting the front end
    inside the module is what lets waveform augmentations, which must differ
    at every training step, reach a spectrogram network.

    Parameters
    ----------
    network : nn.Module
        Maps features (or, without a front end, the input) to logits.
    frontend : nn.Module, default=None
        Maps waveforms ``(batch, channels, n_times)`` to features ``(batch,
        channels, n_bins, n_frames)``; ``None`` passes the input unchanged.
    waveform_augment : sequence of callable, default=()
        Callables on the input batch (before the front end), training only.
    feature_augment : sequence of callable, default=()
        Callables on the features (after the front end), training only.
    flatten_features : bool, default=False
        Reshape the front end's output to ``(batch, channels * n_bins,
        n_frames)``, the features-as-channels layout of sequence networks.

    Examples
    --------
    >>> import torch
    >>> net = AugmentedNetwork(nn.Flatten(), waveform_augment=[torch.neg]).eval()
    >>> net(torch.ones(1, 1, 3))
    tensor([[1., 1., 1.]])
    """

    def __init__(
        self,
        network,
        *,
        frontend=None,
        waveform_augment=(),
        feature_augment=(),
        flatten_features=False,
    ):
        super().__init__()
        self.frontend = frontend
        self.network = network
        self.waveform_augment = list(waveform_augment)
        self.feature_augment = list(feature_augment)
        self.flatten_features = flatten_features

    def features(self, x):
        """Apply the front end (and, in training, the augmentations) to ``x``.

        Parameters
        ----------
        x : Tensor of shape (batch, channels, n_times)
            Waveforms, or the network's input when there is no front end.

        Returns
        -------
        features : Tensor
            What the network receives.
        """
        if self.training:
            for augment in self.waveform_augment:
                x = augment(x)
        if self.frontend is not None:
            x = self.frontend(x)
            if self.flatten_features:
                x = x.flatten(1, 2)
        if self.training:
            for augment in self.feature_augment:
                x = augment(x)
        return x

    def forward(self, x):
        """Return the network's logits for ``x``.

        Parameters
        ----------
        x : Tensor of shape (batch, channels, n_times)
            Waveforms, or the network's input when there is no front end.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
        """
        return self.network(self.features(x))
