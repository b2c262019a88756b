import subprocess
import sys

import pytest

import skaudio
from skaudio import cli

# Training steps of the log-Mel CNN in a fresh process; prints the minor page
# faults per step. With glibc's defaults this pattern (buffers of 0.5-4 MB
# freed and allocated again) faulted some 4,000-5,000 times a step here.
STEPS = """
import resource, sys, torch
import skaudio
from skaudio.nn import SpectrogramCNN
if sys.argv[1] == "keep":
    assert skaudio.keep_freed_memory()
torch.set_num_threads(1)
torch.manual_seed(0)
net = SpectrogramCNN(n_classes=10)
x, y = torch.randn(32, 1, 64, 32), torch.randint(0, 10, (32,))
optimizer = torch.optim.Adam(net.parameters())
def step():
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(net(x), y).backward()
    optimizer.step()
for _ in range(5):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_training_steps_stop_faulting_pages_in():
    def faults(mode):
        run = subprocess.run(
            [sys.executable, "-c", STEPS, mode],
            capture_output=True,
            text=True,
            check=True,
        )
        return float(run.stdout.split()[-1])

    # With the call: 0 to about 150 faults a step in repeated runs here (a
    # buffer refaulted now and then); without it, about 3,000 to 5,000.
    assert faults("keep") < 1000


def test_the_command_line_keeps_freed_memory_unless_told_otherwise(
    monkeypatch, tmp_path
):
    calls = []
    monkeypatch.setattr(cli, "keep_freed_memory", lambda: calls.append(1))
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    argv = ["predict", str(tmp_path / "missing.skaudio"), "clip.wav"]
    assert cli.main(argv) == 1  # any command
    assert calls == [1]
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")  # the user's own choice
    assert cli.main(argv) == 1
    assert calls == [1]


def test_is_public():
    assert "keep_freed_memory" in skaudio.__all__
