"""The one meaning of ``device="auto"`` shared by transformers and classifiers."""

import torch


def resolve_device(device):
    """Replace ``"auto"`` by ``"cuda"`` when a GPU is visible, else ``"cpu"``.

    Parameters
    ----------
    device : str, torch.device or None
        A device as the estimators accept it.

    Returns
    -------
    device : str, torch.device or None
        ``device`` itself unless it is ``"auto"``.
    """
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device
