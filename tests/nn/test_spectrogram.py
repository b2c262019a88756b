import pytest
import torch
from torch import nn

from skaudio.nn._layers import (
    FrequencyCoordinate,
    RandomMasking,
    Standardize,
    norm_layer,
)
from skaudio.nn.spectrogram import (
    SpectrogramCNN,
    VisionBackbone,
    simple_spectrogram_cnn,
)
from skaudio.presets import SPECTROGRAM_PRESETS

# The presets of SpectrogramCNN (the others need torchvision).
CNN_PRESETS = sorted(
    name
    for name, (network, _) in SPECTROGRAM_PRESETS.items()
    if network is SpectrogramCNN
)


def _convs(net):
    return [m for m in net.modules() if isinstance(m, nn.Conv2d)]


@pytest.mark.parametrize(
    "shape", [(3, 1, 64, 32), (3, 1, 1, 1), (3, 1, 13, 5), (3, 2, 40, 101)]
)
@pytest.mark.parametrize("architecture", CNN_PRESETS)
def test_any_input_size_gives_logits(architecture, shape):
    assert CNN_PRESETS == ["simple", "vgg"]
    net = SpectrogramCNN(
        in_channels=shape[1], n_classes=7, **SPECTROGRAM_PRESETS[architecture][1]
    )
    assert net(torch.randn(shape)).shape == (3, 7)


def test_three_d_input_is_one_channel():
    net = SpectrogramCNN(n_classes=4, n_blocks=2).eval()
    x = torch.randn(2, 16, 8)
    torch.testing.assert_close(net(x), net(x.unsqueeze(1)))


def test_simple_network_is_the_seed_architecture():
    net = simple_spectrogram_cnn(n_classes=10)
    convs = _convs(net)
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [
        (1, 16, (3, 3)),
        (16, 32, (3, 3)),
    ]
    pools = [m for m in net.modules() if isinstance(m, nn.MaxPool2d)]
    assert len(pools) == 1 and pools[0].kernel_size == (2, 2)
    assert not any(isinstance(m, nn.GroupNorm | nn.BatchNorm2d) for m in net.modules())
    assert net.classifier.in_features == 32
    assert sum(p.numel() for p in net.parameters()) == 5130


def test_filters_double_per_block_or_follow_a_tuple():
    net = SpectrogramCNN(n_blocks=3, filters=8, convs_per_block=2)
    assert [c.out_channels for c in _convs(net)] == [8, 8, 16, 16, 32, 32]
    net = SpectrogramCNN(n_blocks=2, filters=(5, 7))
    assert [c.out_channels for c in _convs(net)] == [5, 7]
    with pytest.raises(ValueError, match="2 entries for 3 blocks"):
        SpectrogramCNN(n_blocks=3, filters=(5, 7))


def test_anisotropic_kernels_and_time_only_pooling():
    net = SpectrogramCNN(n_blocks=3, kernel_size=(7, 3), pool=(1, 2)).eval()
    assert all(c.kernel_size == (7, 3) for c in _convs(net))
    assert all(c.padding == (3, 1) for c in _convs(net))
    # Frequency keeps all 40 bands; time is halved by each of the 2 pools.
    assert net.features(torch.randn(2, 1, 40, 32)).shape == (2, 64, 40, 8)


def test_group_norm_evaluates_as_it_trains_batch_norm_does_not():
    x = torch.randn(8, 1, 16, 8) * 5 + 3
    group = SpectrogramCNN(n_blocks=2, norm="group", dropout=0.0)
    torch.testing.assert_close(group.train()(x), group.eval()(x))
    batch = SpectrogramCNN(n_blocks=2, norm="batch", dropout=0.0)
    assert not torch.allclose(batch.train()(x), batch.eval()(x))


@pytest.mark.parametrize("norm", ["group", "instance", "layer", None])
def test_batch_consistency(norm):
    net = SpectrogramCNN(n_classes=3, n_blocks=3, norm=norm).eval()
    x = torch.randn(5, 1, 20, 12)
    batched = net(x)
    one_by_one = torch.cat([net(x[i : i + 1]) for i in range(len(x))])
    torch.testing.assert_close(batched, one_by_one, rtol=1e-4, atol=1e-5)


def test_input_standardisation_makes_the_output_scale_free():
    net = SpectrogramCNN(n_blocks=2).eval()
    x = torch.randn(2, 1, 16, 8)
    torch.testing.assert_close(net(x), net(40 * x - 80), rtol=1e-4, atol=1e-4)
    raw = SpectrogramCNN(n_blocks=2, input_norm=None).eval()
    assert not torch.allclose(raw(x), raw(40 * x - 80))


def test_norm_layer_choices():
    assert isinstance(norm_layer("batch", 16, ndim=2), nn.BatchNorm2d)
    assert isinstance(norm_layer("batch", 16, ndim=1), nn.BatchNorm1d)
    assert norm_layer("group", 32, ndim=2).num_groups == 4
    assert norm_layer("group", 12, ndim=2).num_groups == 1  # 12 // 8, divides 12
    assert norm_layer("group", 24, ndim=2).num_groups == 3
    assert norm_layer("instance", 6, ndim=1).num_groups == 6
    assert norm_layer("layer", 6, ndim=1).num_groups == 1
    assert isinstance(norm_layer("none", 6, ndim=1), nn.Identity)
    with pytest.raises(ValueError, match="norm must be"):
        norm_layer("weight", 6, ndim=1)


def test_standardize_modes():
    x = torch.randn(3, 1, 10, 50) * torch.arange(1, 11.0)[:, None] + 7
    y = Standardize("sample")(x)
    torch.testing.assert_close(y.mean(dim=(1, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
    y = Standardize("frequency")(x)
    torch.testing.assert_close(y.mean(dim=-1), torch.zeros(3, 1, 10), atol=1e-5, rtol=0)
    torch.testing.assert_close(
        y.std(dim=-1, unbiased=False), torch.ones(3, 1, 10), atol=1e-3, rtol=0
    )
    with pytest.raises(ValueError, match="mode must be"):
        Standardize("global")


def test_random_masking_masks_bands_in_training_only():
    layer = RandomMasking(freq_width=4, time_width=3)
    x = torch.randn(64, 1, 20, 10) + 5
    assert torch.equal(layer.eval()(x), x)
    y = layer.train()(x)
    changed = y != x
    fill = x.mean(dim=(1, 2, 3))
    for i in range(len(x)):
        assert torch.allclose(y[i][changed[i]], fill[i].expand(int(changed[i].sum())))
        rows = changed[i, 0].all(dim=1).sum()  # whole frequency rows masked
        cols = changed[i, 0].all(dim=0).sum()  # whole time columns masked
        assert rows <= 4 and cols <= 3
    assert changed.any()
    # Examples get different bands.
    assert (
        len({tuple(c[0].all(dim=1).nonzero().flatten().tolist()) for c in changed}) > 1
    )


def test_dropout_and_masking_are_off_in_eval():
    net = SpectrogramCNN(n_blocks=2, dropout=0.5, freq_mask=4, time_mask=4).eval()
    x = torch.randn(2, 1, 16, 8)
    torch.testing.assert_close(net(x), net(x))


# -- torchvision backbones ----------------------------------------------------


@pytest.mark.parametrize("architecture", VisionBackbone.architectures)
def test_backbone_takes_one_channel_spectrograms(architecture):
    pytest.importorskip("torchvision")
    net = VisionBackbone(n_classes=5, architecture=architecture).eval()
    assert net(torch.randn(2, 1, 64, 32)).shape == (2, 5)
    assert net(torch.randn(2, 64, 32)).shape == (2, 5)


@pytest.mark.parametrize(
    ("architecture", "conv", "head"),
    [
        ("resnet18", "network.conv1.weight", "fc"),
        ("efficientnet_b0", "network.features.0.0.weight", "classifier.1"),
    ],
)
@pytest.mark.parametrize("in_channels", [1, 2])
def test_backbone_loads_a_local_weights_file(
    tmp_path, architecture, conv, head, in_channels
):
    torchvision = pytest.importorskip("torchvision")
    original = getattr(torchvision.models, architecture)(weights=None)
    with torch.no_grad():  # make the weights distinguishable from a fresh init
        for p in original.parameters():
            p.add_(torch.randn_like(p))
    state = original.state_dict()
    path = tmp_path / f"{architecture}.pth"
    torch.save(state, path)

    net = VisionBackbone(
        in_channels=in_channels, n_classes=3, architecture=architecture, weights=path
    )
    loaded = net.state_dict()
    expected = state[conv.removeprefix("network.")].mean(dim=1, keepdim=True)
    expected = expected.repeat(1, in_channels, 1, 1) / in_channels
    torch.testing.assert_close(loaded[conv], expected)
    for name, value in state.items():
        if name == conv.removeprefix("network.") or name.startswith(head):
            continue
        torch.testing.assert_close(loaded["network." + name], value)
    assert loaded[f"network.{head}.weight"].shape[0] == 3


def test_backbone_rejects_mismatched_weights_and_unknown_names(tmp_path):
    torchvision = pytest.importorskip("torchvision")
    path = tmp_path / "resnet18.pth"
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), path)
    with pytest.raises(RuntimeError, match="state_dict"):
        VisionBackbone(architecture="efficientnet_b0", weights=path)
    with pytest.raises(ValueError, match="architecture must be"):
        VisionBackbone(architecture="vgg16")


def test_frequency_coordinate_channel():
    x = torch.randn(2, 3, 5, 4)
    y = FrequencyCoordinate()(x)
    assert y.shape == (2, 4, 5, 4)
    assert torch.equal(y[:, :3], x)
    torch.testing.assert_close(y[1, 3, :, 2], torch.linspace(-1, 1, 5))
    net = SpectrogramCNN(in_channels=3, n_blocks=2, freq_coordinate=True)
    assert _convs(net)[0].in_channels == 4
    assert net(torch.randn(2, 3, 1, 1)).shape == (2, 10)
