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


def checked_device(device):
    """Resolve ``device`` and refuse one this machine cannot run.

    Parameters
    ----------
    device : str or torch.device
        A device as the estimators accept it (``"auto"`` included).

    Returns
    -------
    device : torch.device

    Raises
    ------
    ValueError
        For a name torch does not know, or CUDA on a machine without it;
        torch's own errors list its backends, or come from deep in
        ``Module.to``.
    """
    try:
        resolved = torch.device(resolve_device(device))
    except RuntimeError:
        raise ValueError(
            f"device={device!r} is not a torch device: use 'auto' (a GPU when "
            "there is one), 'cpu', 'cuda' or 'cuda:N'."
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={str(device)!r} but CUDA is not available on this machine; "
            "use device='cpu' or device='auto'."
        )
    return resolved
