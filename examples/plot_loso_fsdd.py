"""
Leave-one-speaker-out evaluation on FSDD
========================================

A random split of FSDD puts every speaker in both the training and the test
set, which flatters any model. Leave-one-speaker-out (LOSO) holds each speaker
out in turn: the paper's protocol, and the honest measure of how a model
generalises to a new voice.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from skaudio import MFCCTransformer, SequenceCNNClassifier, WaveformLoader
from skaudio.datasets import fetch_fsdd

fsdd = fetch_fsdd()
subset = fsdd.take >= 30  # 20 takes of each digit and speaker: 1,200 clips
X = WaveformLoader(sample_rate=8000, duration=1.0).fit_transform(fsdd.filenames[subset])
y, groups = fsdd.target[subset], fsdd.groups[subset]

# 40 MFCC per 16 ms frame, convolved over time with the coefficients as
# channels: a small, fast model (about 34k parameters).
pipe = Pipeline(
    [
        (
            "mfcc",
            MFCCTransformer(
                sample_rate=8000,
                n_fft=512,
                hop_length=128,
                n_mfcc=40,
                layout="sequence",
            ),
        ),
        ("cnn", SequenceCNNClassifier(max_epochs=15, random_state=0)),
    ]
)

# %%
# ``groups`` reaches :class:`~sklearn.model_selection.LeaveOneGroupOut`
# through :func:`~sklearn.model_selection.cross_val_score`.
logo = LeaveOneGroupOut()
loso = cross_val_score(pipe, X, y, groups=groups, cv=logo)
speakers = [groups[test][0] for _, test in logo.split(X, y, groups)]
shuffled = cross_val_score(
    pipe, X, y, cv=StratifiedKFold(6, shuffle=True, random_state=0)
)
print(f"LOSO       {loso.mean():.1%} ± {loso.std():.1%}")
print(f"shuffled   {shuffled.mean():.1%} ± {shuffled.std():.1%}")

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(speakers, loso)
ax.axhline(shuffled.mean(), color="k", linestyle="--", label="shuffled 6-fold")
ax.set(ylabel="accuracy on the held-out speaker", ylim=(0, 1))
ax.legend()
plt.show()
print(dict(zip(speakers, np.round(loso, 3), strict=True)))
