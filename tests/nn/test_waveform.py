import pytest
import torch

import skaudio.nn.waveform
from skaudio.nn import (
    EarlyMix,
    LateMix,
    LVFlat,
    RollMix,
    SimpleWaveformCNN,
    SincConv1d,
    SincNet,
)
from skaudio.presets import (
    PAPER_MODELS,
    WAVEFORM_MODELS,
    WAVEFORM_PRESETS,
    stride_pool_grid,
    stride_pool_pairs,
    waveform_preset,
)


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def build(name, sample_rate=22050, **kwargs):
    network, preset = waveform_preset(name, sample_rate)
    return network(**{**preset, **kwargs})


@pytest.mark.parametrize("name", ["lv-18", "lv-24", "lv-42", "lv-81"])
def test_lv_flat_has_72842_parameters(name):
    assert n_params(build(name, in_channels=1, n_classes=10)) == 72842


def test_lv_flat_parameter_formula():
    # 1*32*8+32 + 32*64*8+64 + 64*96*8+96 + 96*64+64 + 64*10+10, as in the paper
    assert n_params(LVFlat()) == 288 + 16448 + 49248 + 6208 + 650
    assert n_params(LVFlat(in_channels=2, n_classes=3)) == 72842 + 32 * 8 - 7 * 65


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("earlymix", 73363),
        ("latemix", 74046),
        ("rollmix", 73610),
        ("sincnet", 72618),
        ("simple", 2938),
    ],
)
def test_other_models_parameter_counts(name, expected):
    net = build(name)
    assert n_params(net) == expected
    if name != "simple":  # "about 72k" in the paper
        assert abs(n_params(net) - 72842) / 72842 < 0.03


@pytest.mark.parametrize("name", ["lv-18", "lv-24", "lv-42", "lv-81"])
def test_lv_block_output_lengths_at_22050(name):
    # Paper, Figure 1: 22050 -> ~2754 x 32 -> ~342 x 64 -> ~42 x 96 -> 96 -> 64.
    net = build(name).eval()
    x, shapes = torch.zeros(1, 1, 22050), []
    for block in net.blocks:
        n_in = x.shape[-1]
        x = block(x)
        assert x.shape[-1] == block.output_length(n_in)
        shapes.append(tuple(x.shape[1:]))
    assert [c for c, _ in shapes] == [32, 64, 96]
    for (_, n), paper in zip(shapes, [2754, 342, 42], strict=True):
        assert abs(n - paper) <= 2
    if name == "lv-18":
        assert [n for _, n in shapes] == [2755, 343, 42]
    features = net.blocks(torch.zeros(1, 1, 22050)).mean(dim=-1)
    assert features.shape == (1, 96)
    assert net.head.layers[0](features).shape == (1, 64)


@pytest.mark.parametrize("name", [*PAPER_MODELS, "simple"])
@pytest.mark.parametrize("sample_rate", [22050, 8000])
def test_short_inputs_are_zero_padded_to_min_length(name, sample_rate):
    net = build(name, sample_rate, n_classes=3).eval()
    n_min = net.min_length
    # min_length is the shortest input the layers accept unpadded...
    assert net(torch.randn(2, 1, n_min)).shape == (2, 3)
    # ...and a shorter one gives what its explicit zero padding gives.
    short = torch.randn(2, 1, n_min // 3)
    padded = torch.nn.functional.pad(short, (0, n_min - n_min // 3))
    torch.testing.assert_close(net(short), net(padded))
    assert net(torch.randn(1, 1, 1)).shape == (1, 3)


@pytest.mark.parametrize("name", [*PAPER_MODELS, "simple"])
def test_min_length_is_tight(name, monkeypatch):
    net = build(name, 8000).eval()
    monkeypatch.setattr(skaudio.nn.waveform, "_pad", lambda x, n_times: x)
    assert net(torch.zeros(1, 1, net.min_length)).shape == (1, 10)
    with pytest.raises(RuntimeError):
        net(torch.zeros(1, 1, net.min_length - 1))


@pytest.mark.parametrize("name", [*PAPER_MODELS, "simple"])
def test_batched_equals_one_by_one_in_eval(name):
    net = build(name, 8000, n_classes=4).eval()
    x = torch.randn(3, 1, 2000)
    batched = net(x)
    single = torch.cat([net(x[i : i + 1]) for i in range(3)])
    torch.testing.assert_close(batched, single, rtol=1e-4, atol=1e-5)


def test_rollmix_train_vs_eval():
    net = RollMix(n_rolls=3, dropout=0.0, n_classes=2)
    x = torch.randn(2, 1, 3000)
    net.eval()
    torch.testing.assert_close(net(x), net(x))
    net.train()
    assert not torch.equal(net(x), net(x))  # new shifts every step
    assert net.body.blocks[0].conv.in_channels == 3


def test_sincnet_first_block_is_sinc():
    net = SincNet(sample_rate=8000, stride=2, pool=2)
    conv = net.blocks[0].conv
    assert isinstance(conv, SincConv1d)
    assert (conv.out_channels, conv.kernel_size, conv.stride) == (32, 251, 2)
    assert conv.sample_rate == 8000
    assert net.blocks[0].output_length(8000) == ((8000 - 251) // 2 + 1) // 2
    with pytest.raises(ValueError, match="one input channel"):
        SincNet(in_channels=2)


def test_earlymix_concatenates_cropped_branches():
    net = EarlyMix(branches=((1, 4), (2, 2), (4, 1))).eval()
    x = torch.randn(1, 1, 8000)
    lengths = [b(x).shape[-1] for b in net.branch_blocks]
    assert lengths == [1998, 1998, 1999]
    assert net.blocks[0].conv.in_channels == 33
    assert net(x).shape == (1, 10)


def test_earlymix_with_one_filter_entry_has_no_later_blocks():
    net = EarlyMix(filters=(4,), branches=((1, 8), (2, 4)))
    assert len(net.blocks) == 0 and net.head.layers[0].in_features == 8
    assert net(torch.randn(2, 1, 3000)).shape == (2, 10)


@pytest.mark.parametrize("network", [LVFlat, RollMix, SincNet, EarlyMix, LateMix])
@pytest.mark.parametrize(
    "filters, message",
    [
        ((32, 0, 96), r"filters must hold whole numbers >= 1, got \(32, 0, 96\)"),
        ((32, -1), r"whole numbers >= 1, got \(32, -1\)"),
        ((8.5, 8), r"whole numbers >= 1, got \(8.5, 8\)"),
        ((), r"filters needs at least one entry"),
    ],
)
def test_bad_filters_are_named(network, filters, message):
    with pytest.raises(ValueError, match=message):
        network(filters=filters)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"filters": (8, 8, 8)}, "filters has 3 entries for 2 convolutions"),
        ({"kernel_sizes": (9,)}, "kernel_sizes has 1 entries for 2 convolutions"),
        ({"kernel_sizes": (9, 0)}, r"kernel_sizes must hold whole numbers >= 1"),
    ],
)
def test_simple_waveform_cnn_takes_two_of_each(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SimpleWaveformCNN(**kwargs)


def test_latemix_head_sees_all_branches():
    net = LateMix(filters=(4, 5, 6), branches=((1, 8), (2, 4)))
    assert net.head.layers[0].in_features == 12
    assert net(torch.randn(2, 1, 3000)).shape == (2, 10)


def test_simple_waveform_cnn_layout():
    net = SimpleWaveformCNN(n_classes=5)
    first, second = net.blocks
    assert (first.conv.in_channels, first.conv.out_channels) == (1, 16)
    assert (first.kernel_size, first.stride, first.pool) == (64, 4, 4)
    assert (second.kernel_size, second.conv.out_channels) == (3, 32)
    assert net.linear.out_features == 5
    assert net.min_length == 108


def test_networks_store_their_arguments():
    net = LVFlat(in_channels=2, n_classes=3, stride=2, pool=4, kernel_size=5)
    assert (net.in_channels, net.n_classes, net.stride, net.pool) == (2, 3, 2, 4)
    assert net.kernel_size == 5 and net.filters == (32, 64, 96)


# -- presets -------------------------------------------------------------------
def test_presets_halve_pool_at_8khz():
    assert stride_pool_pairs(22050) == [(1, 8), (2, 4), (4, 2), (8, 1)]
    assert stride_pool_pairs(8000) == [(1, 4), (2, 2), (4, 1), (8, 1)]
    assert waveform_preset("lv-24", 8000) == (LVFlat, {"stride": 2, "pool": 2})
    assert waveform_preset("lv-24", 16000) == (LVFlat, {"stride": 2, "pool": 4})
    _, early = waveform_preset("earlymix", 8000)
    assert early["branches"] == ((1, 4), (2, 2), (4, 1)) and early["pool"] == 2
    _, sinc = waveform_preset("sincnet", 8000)
    assert sinc == {"stride": 2, "pool": 2, "sample_rate": 8000}


def test_presets_cover_the_paper():
    assert set(PAPER_MODELS) <= set(WAVEFORM_PRESETS)
    # the names the command line lists without building the registry
    assert WAVEFORM_MODELS == tuple(WAVEFORM_PRESETS)
    assert len(PAPER_MODELS) == 8
    with pytest.raises(ValueError, match="Unknown waveform model 'lv-99'"):
        waveform_preset("lv-99")


def test_stride_pool_grid():
    grid = stride_pool_grid(8000, prefix="cnn__", exclude=[(8, 1)])
    assert grid == [
        {"cnn__stride": [1], "cnn__pool": [4]},
        {"cnn__stride": [2], "cnn__pool": [2]},
        {"cnn__stride": [4], "cnn__pool": [1]},
    ]
